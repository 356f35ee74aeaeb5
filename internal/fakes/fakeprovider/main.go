// Command fakeprovider runs bot's loopback fakes of the model providers
// (package internal/fakes) outside go test, so that the router can be
// tried by hand: bot chat against a fake Anthropic Messages API, a fake
// OpenAI API, a fake OpenRouter and a fake OAuth token endpoint, all on
// 127.0.0.1. It is a development aid; bot itself never uses it.
//
// Usage:
//
//	go run ./internal/fakes/fakeprovider [flags]
//
// It prints on stdout the shell lines that point bot at the fakes
// (export ANTHROPIC_BASE_URL=… and so on), then logs every call on stderr,
// one line each: the fake, how the credential was sent, the credential
// (masked as bot masks it: the first 4 and last 4 characters of a
// credential of 20 or more, else ****), the model and the answer. It
// runs until SIGINT or SIGTERM.
//
// A provider fake answers a credential by the first flag that names it:
//
//	-rate-limit KEY        429 rate_limit_error with Retry-After: 60
//	-claude-code-only KEY  Anthropic's 400 "only authorized for use with
//	                       Claude Code" (the OpenAI fakes ignore this flag)
//	-allow KEY             200 "echo: <the last message>"
//
// An access token the OAuth fake issued (fake-oauth-access-NNNNNN) is
// answered as if allowed. Any other credential gets 401, as an unknown key
// does. -refresh TOKEN makes TOKEN a refresh token the OAuth fake accepts
// once: each refresh rotates it (fake-oauth-refresh-NNNNNN).
//
// Each of these flags may be repeated. A value @FILE reads the
// credentials from FILE instead, one a line, to keep them out of argv and
// the shell history. The ports are random unless -anthropic-port,
// -openai-port, -openrouter-port or -oauth-port fix them.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/botgateway/bot/internal/fakes"
	"github.com/botgateway/bot/internal/fakes/fakecli"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/internal/secret"
)

func main() {
	fakecli.Main("fakeprovider", func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
		return run(ctx, args, stdout, stderr)
	})
}

// run starts the fakes, prints the exports on stdout and serves until ctx
// ends; then it closes the servers and returns.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	k := keys{allow: keyList{}, rateLimit: keyList{}, claudeCodeOnly: keyList{}, refresh: keyList{}}
	fs := flag.NewFlagSet("fakeprovider", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(k.allow, "allow", "answer `KEY` with 200 (repeatable; @FILE reads keys from FILE, one a line)")
	fs.Var(k.rateLimit, "rate-limit", "answer `KEY` with 429, Retry-After: 60 (repeatable, @FILE)")
	fs.Var(k.claudeCodeOnly, "claude-code-only", "answer `KEY` with Anthropic's Claude-Code-only 400 (repeatable, @FILE)")
	fs.Var(k.refresh, "refresh", "accept refresh `TOKEN` once at the OAuth fake (repeatable, @FILE)")
	ports := map[string]*int{}
	for _, name := range []string{"anthropic", "openai", "openrouter", "oauth"} {
		ports[name] = fs.Int(name+"-port", 0, "listen on 127.0.0.1:`PORT` for the "+name+" fake (0: random)")
	}
	if help, err := fakecli.Parse(fs, args); help || err != nil {
		return err
	}

	var fakesDone fakecli.Cleanups
	defer fakesDone.Run()
	anthropic := fakes.NewAnthropic(&fakesDone)
	k.script(anthropic, true)
	openai := fakes.NewOpenAI(&fakesDone, "/v1")
	k.script(openai, false)
	openrouter := fakes.NewOpenAI(&fakesDone, "/api/v1")
	k.script(openrouter, false)
	oauth := fakes.NewOAuth(&fakesDone)
	for tok := range k.refresh {
		oauth.Seed(tok)
	}
	oauth.OnIssue(func(access string) {
		for _, p := range []scripted{anthropic, openai, openrouter} {
			p.Allow(access)
		}
	})

	// The fakes listen on random ports of their own; each gets a front
	// server on the chosen port, a reverse proxy that logs each call.
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var (
		servers []*http.Server
		wg      sync.WaitGroup
	)
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		for _, srv := range servers {
			srv.Shutdown(sctx)
		}
		wg.Wait()
	}()
	var exports strings.Builder
	for _, f := range []struct{ name, env, url string }{
		{"anthropic", providers.BaseURLVar("anthropic"), anthropic.URL()},
		{"openai", providers.BaseURLVar("openai"), openai.URL()},
		{"openrouter", providers.BaseURLVar("openrouter"), openrouter.URL()},
		{"oauth", providers.TokenURLVar("anthropic"), oauth.URL()},
	} {
		target, err := url.Parse(f.url)
		if err != nil {
			return err
		}
		path := target.Path
		target.Path = ""
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*ports[f.name])))
		if err != nil {
			return fmt.Errorf("%s fake: %w", f.name, err)
		}
		proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
		srv := &http.Server{Handler: logged(log, f.name, proxy), ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				log.Error("serve", logkeys.Provider, f.name, logkeys.Err, err)
			}
		})
		fmt.Fprintf(&exports, "export %s=http://%s%s\n", f.env, ln.Addr(), path)
	}
	if _, err := io.WriteString(stdout, exports.String()); err != nil {
		return err
	}
	log.Info("fakes ready; stop with Ctrl-C")
	<-ctx.Done()
	log.Info("stopping")
	return nil
}

// keyList is a repeatable flag of credentials; a value @FILE adds the
// non-blank lines of FILE. It is read-only once the flags are parsed.
type keyList map[string]bool

// String never shows the credentials.
func (k keyList) String() string { return "" }

func (k keyList) Set(v string) error {
	path, ok := strings.CutPrefix(v, "@")
	if !ok {
		k[v] = true
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for line := range strings.Lines(string(b)) {
		if s := strings.TrimSpace(line); s != "" {
			k[s] = true
		}
	}
	return nil
}

// keys holds the credentials named by the flags.
type keys struct {
	allow, rateLimit, claudeCodeOnly, refresh keyList
}

// scripted is the part of a provider fake that sets its answers.
type scripted interface {
	Allow(creds ...string)
	Always(cred string, r fakes.Response)
}

// script tells a provider fake how to answer the credentials of the flags
// (see the package doc); the fake answers any other credential as the
// real API answers an unknown one. Later answers replace earlier ones, so
// a credential named by several flags gets the first flag's answer.
func (k keys) script(p scripted, claudeCodeOnly bool) {
	for cred := range k.allow {
		p.Allow(cred)
	}
	if claudeCodeOnly {
		for cred := range k.claudeCodeOnly {
			p.Always(cred, fakes.ClaudeCodeOnly())
		}
	}
	for cred := range k.rateLimit {
		p.Always(cred, fakes.RateLimited(60))
	}
}

// logged serves h and logs each call on one line: the fake, the
// credential (masked), the model and the answer.
func logged(log *slog.Logger, name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		var req struct {
			Model        string `json:"model"`
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(body, &req) != nil {
			form, _ := url.ParseQuery(string(body))
			req.RefreshToken = form.Get("refresh_token")
		}
		how, cred := credential(r.Header, req.RefreshToken)
		attrs := []any{logkeys.Provider, name, logkeys.Auth, how, logkeys.Credential, secret.New(cred)}
		if req.Model != "" {
			attrs = append(attrs, logkeys.Model, req.Model)
		}
		log.Info(r.Method+" "+r.URL.Path, append(attrs, logkeys.Answer, rec.answer())...)
	})
}

// credential returns the credential a request carries and how: the API
// key ("x-api-key"), the bearer token ("bearer"), or else refresh, a token
// request's refresh token ("refresh_token"; "none" when empty).
func credential(h http.Header, refresh string) (how, cred string) {
	if k := h.Get("x-api-key"); k != "" {
		return "x-api-key", k
	}
	if t, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer "); ok {
		return "bearer", t
	}
	if refresh != "" {
		return "refresh_token", refresh
	}
	return "none", ""
}

// recorder keeps a response's status and the start of an error body.
type recorder struct {
	http.ResponseWriter
	status  int
	errBody []byte
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && len(r.errBody) < 4096 {
		r.errBody = append(r.errBody, b...)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush streamed answers.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// answer says how the call was answered: "ok", or the status followed by
// the error of the body (a provider's error type and message, or an OAuth
// error code) and the Retry-After header.
func (r *recorder) answer() string {
	switch {
	case r.status == 0:
		return "none"
	case r.status < 400:
		return "ok"
	}
	s := strconv.Itoa(r.status)
	var doc struct{ Error json.RawMessage }
	var code string
	var e struct{ Type, Message string }
	switch {
	case json.Unmarshal(r.errBody, &doc) != nil:
	case json.Unmarshal(doc.Error, &code) == nil:
		s += " " + code
	case json.Unmarshal(doc.Error, &e) == nil && e.Type != "":
		s += " " + e.Type + ": " + e.Message
	}
	if ra := r.Header().Get("Retry-After"); ra != "" {
		s += " (Retry-After " + ra + ")"
	}
	return s
}
