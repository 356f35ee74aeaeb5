// Package anthropic is the models.Provider for Anthropic's Messages API,
// built on the official SDK (github.com/anthropics/anthropic-sdk-go).
//
// The client holds no credential: each call carries its own as request
// options (see credential in header.go), so one client serves every
// profile. The SDK's environment defaults (ANTHROPIC_API_KEY,
// ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL, profile files …) are switched
// off, and so are its retries: the router is the only retry loop.
package anthropic

import (
	"cmp"
	"context"
	"iter"
	"net/http"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/models"
)

// ID is the provider id of this client.
const ID = "anthropic"

// DefaultBaseURL is Anthropic's API root (without /v1), from
// internal/providers.
var DefaultBaseURL = providers.DefaultURL(ID)

// DefaultMaxTokens is max_tokens when neither the request nor Config sets
// it; the Messages API requires a value.
const DefaultMaxTokens = 4096

// nonStreamingTimeout bounds one non-streaming call on top of ctx. Setting
// it explicitly also stops the SDK from refusing a non-streaming call whose
// max_tokens it guesses would take longer than 10 minutes.
const nonStreamingTimeout = 10 * time.Minute

// Config configures a Client. The zero Config talks to DefaultBaseURL with
// http.DefaultClient.
type Config struct {
	// BaseURL is the API root, without /v1 ("" = DefaultBaseURL).
	BaseURL string
	// HTTPClient sends the requests (nil = http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock used to read a Retry-After date (nil = time.Now).
	Now func() time.Time
	// MaxTokens is the default max_tokens (0 = DefaultMaxTokens).
	MaxTokens int
}

// Client is the Anthropic provider. It is safe for concurrent use.
type Client struct {
	messages  sdk.MessageService
	now       func() time.Time
	maxTokens int
}

var _ models.Provider = (*Client)(nil)

// New returns a Client for cfg. It does no I/O and reads no environment.
func New(cfg Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	c := sdk.NewClient(
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(cmp.Or(cfg.BaseURL, DefaultBaseURL)),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{messages: c.Messages, now: now, maxTokens: cmp.Or(cfg.MaxTokens, DefaultMaxTokens)}
}

// ID returns "anthropic".
func (c *Client) ID() string { return ID }

// Complete sends req with cred and returns the whole answer. It makes
// exactly one HTTP request; failures are *models.CallError, and their text
// never contains the credential.
func (c *Client) Complete(ctx context.Context, req models.Request, cred *auth.Credential) (*models.Response, error) {
	opts, redact, cerr := credential(cred)
	if cerr != nil {
		return nil, cerr
	}
	var raw *http.Response
	opts = append(opts, option.WithResponseInto(&raw), option.WithRequestTimeout(nonStreamingTimeout))
	msg, err := c.messages.New(ctx, c.params(req), opts...)
	if err != nil {
		return nil, c.failure(err, raw, redact)
	}
	var text strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	return &models.Response{
		Text:         text.String(),
		Model:        string(msg.Model),
		StopReason:   string(msg.StopReason),
		InputTokens:  int(msg.Usage.InputTokens),
		OutputTokens: int(msg.Usage.OutputTokens),
	}, nil
}

// Stream sends req with cred as a streaming request and yields the text
// deltas as they arrive. The request is sent when the sequence is first
// iterated; stopping the iteration closes the response. A failure —
// an HTTP error, an error event inside the stream, a broken or truncated
// stream — is yielded once as a *models.CallError and ends the sequence.
func (c *Client) Stream(ctx context.Context, req models.Request, cred *auth.Credential) iter.Seq2[models.Chunk, error] {
	return func(yield func(models.Chunk, error) bool) {
		opts, redact, cerr := credential(cred)
		if cerr != nil {
			yield(models.Chunk{}, cerr)
			return
		}
		var raw *http.Response
		opts = append(opts, option.WithResponseInto(&raw))
		s := c.messages.NewStreaming(ctx, c.params(req), opts...)
		defer s.Close()
		stopped := false
		for s.Next() {
			ev := s.Current()
			switch ev.Type {
			case "content_block_delta":
				if ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
					if !yield(models.Chunk{Text: ev.Delta.Text}, nil) {
						return
					}
				}
			case "message_stop":
				stopped = true
			}
		}
		switch err := s.Err(); {
		case err != nil:
			yield(models.Chunk{}, c.failure(err, raw, redact))
		case !stopped:
			yield(models.Chunk{}, truncated())
		}
	}
}

// params maps a provider-neutral request to the Messages API's.
func (c *Client) params(req models.Request) sdk.MessageNewParams {
	p := sdk.MessageNewParams{
		Model:     sdk.Model(req.Model),
		MaxTokens: int64(cmp.Or(req.MaxTokens, c.maxTokens)),
		Messages:  make([]sdk.MessageParam, 0, len(req.Messages)),
	}
	if req.System != "" {
		p.System = []sdk.TextBlockParam{{Text: req.System}}
	}
	for _, m := range req.Messages {
		block := sdk.NewTextBlock(m.Text)
		if m.Role == models.RoleAssistant {
			p.Messages = append(p.Messages, sdk.NewAssistantMessage(block))
		} else {
			p.Messages = append(p.Messages, sdk.NewUserMessage(block))
		}
	}
	return p
}
