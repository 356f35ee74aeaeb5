package telegram

import (
	"bytes"
	"io"
	"net/http"
)

// NewTransport returns the HTTP transport of the client New makes when
// Config.HTTPClient is nil: net/http's default transport keeping enough
// idle connections to the Bot API server for the replies in flight (up to
// pollLimit messages at once, each sending, editing and showing
// "typing…"). With net/http's default of 2 idle connections per host,
// concurrent replies reconnect all the time, and a busy gateway runs out
// of local ports in TIME_WAIT (BenchmarkTelegramLoad in integration/:
// about 15% fewer messages a second). A caller that brings its own client
// can start from it.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * maxIdlePerHost
	t.MaxIdleConnsPerHost = maxIdlePerHost
	return t
}

// maxIdlePerHost is NewTransport's pool of idle connections per host.
const maxIdlePerHost = pollLimit + 28

// wholeBodies sends each request's body in one piece, with its
// Content-Length. go-telegram/bot streams its multipart forms through an
// io.Pipe, which net/http sends chunked, writing each piece of the form
// to the socket as it comes: a sendMessage is a dozen small writes, and
// as many small reads for the server (BenchmarkTelegramLoad: about 20%
// fewer messages a second). The adapter sends text, never files, so its
// bodies are small; a body over maxWhole bytes is sent as it comes, the
// part already read first.
type wholeBodies struct{ base http.RoundTripper }

// maxWhole bounds the body wholeBodies reads before sending.
const maxWhole = 1 << 20

func (w wholeBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength != 0 {
		return w.base.RoundTrip(req)
	}
	buf, err := io.ReadAll(io.LimitReader(req.Body, maxWhole+1))
	if err != nil {
		req.Body.Close()
		return nil, err
	}
	r := req.Clone(req.Context()) // a RoundTripper does not change its request
	if len(buf) > maxWhole {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}
		return w.base.RoundTrip(r)
	}
	req.Body.Close()
	if len(buf) == 0 {
		r.Body, r.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
		return w.base.RoundTrip(r)
	}
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.ContentLength = int64(len(buf))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	return w.base.RoundTrip(r)
}
