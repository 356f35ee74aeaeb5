package telegram

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/adapters/adaptertest"
	"github.com/botgateway/bot/internal/fakes"
)

// seen is a request as a server received it.
type seen struct {
	Path    string
	Length  int64 // -1: unknown (chunked)
	Chunked bool
	Body    string
}

// recorder is a loopback server that notes each request and passes it on
// to next (nil: answers 200).
type recorder struct {
	mu  sync.Mutex
	got []seen
}

func (rec *recorder) server(t *testing.T, next http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		rec.mu.Lock()
		rec.got = append(rec.got, seen{Path: r.URL.Path, Length: r.ContentLength, Chunked: len(r.TransferEncoding) > 0, Body: string(body)})
		rec.mu.Unlock()
		if next == nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.got...)
}

// go-telegram/bot streams its forms (chunked); the adapter's requests
// reach Telegram whole, with their length, and still do what they say.
func TestRequestsSentWhole(t *testing.T) {
	f := fakes.NewTelegram(t)
	target, err := url.Parse(f.URL())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := rec.server(t, httputil.NewSingleHostReverseProxy(target))
	cfg := config(t, f)
	cfg.APIURL = proxy.URL
	in := adaptertest.NewInbox()
	adaptertest.Running(t, mustNew(t, cfg), in)

	f.SendText(fakes.PrivateChat(ada), ada, "hi")
	m := in.Next(t)
	if err := m.Reply.Reply(context.Background(), adapters.Reply{Text: "hello"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	m.Done()
	if got := f.WaitBotMessages(t, ada.ID, 1); got[0].Text != "hello" {
		t.Fatalf("the bot sent %q, want %q", got[0].Text, "hello")
	}
	var methods []string
	for _, r := range rec.requests() {
		method := r.Path[strings.LastIndex(r.Path, "/")+1:]
		methods = append(methods, method)
		if r.Chunked || (r.Length <= 0 && method != "getMe") || int64(len(r.Body)) != max(r.Length, 0) {
			t.Errorf("%s reached Telegram with Content-Length %d (chunked %v), body of %d bytes; want it whole", method, r.Length, r.Chunked, len(r.Body))
		}
	}
	if !strings.Contains(strings.Join(methods, " "), "sendMessage") {
		t.Fatalf("no sendMessage among %v", methods)
	}
}

// wholeBodies sends small streamed bodies with their length, large ones
// as they come; bodies of known length pass unchanged. The server always
// receives the bytes sent.
func TestWholeBodies(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t, nil)
	client := &http.Client{Transport: wholeBodies{base: http.DefaultTransport}}
	large := strings.Repeat("x", maxWhole+10)
	tests := []struct {
		name    string
		body    func() io.Reader
		want    string
		chunked bool
	}{
		{"streamed", func() io.Reader { return pipe("form data") }, "form data", false},
		{"streamed over the bound", func() io.Reader { return pipe(large) }, large, true},
		{"known length", func() io.Reader { return strings.NewReader("known") }, "known", false},
		{"streamed empty", func() io.Reader { return pipe("") }, "", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Post(srv.URL+"/"+tt.name, "text/plain", tt.body())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := rec.requests()[i]
			want := seen{Path: "/" + tt.name, Length: int64(len(tt.want)), Chunked: tt.chunked, Body: tt.want}
			if tt.chunked {
				want.Length = -1
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("request received (-want +got):\n%.500s", diff)
			}
		})
	}
}

// pipe returns a reader of s of unknown length, as go-telegram/bot's
// forms are.
func pipe(s string) io.Reader {
	pr, pw := io.Pipe()
	go func() { io.WriteString(pw, s); pw.Close() }()
	return pr
}

// NewTransport keeps an idle connection for each message that may be in
// flight.
func TestNewTransportPool(t *testing.T) {
	if got := NewTransport().MaxIdleConnsPerHost; got < pollLimit {
		t.Errorf("MaxIdleConnsPerHost = %d, want at least pollLimit (%d)", got, pollLimit)
	}
}
