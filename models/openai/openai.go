// Package openai is the models.Provider for OpenAI's Chat Completions API
// and for OpenRouter, which speaks the same protocol, built on the official
// SDK (github.com/openai/openai-go/v3).
//
// The client holds no credential: each call carries its own as a request
// option (see credential in header.go). The SDK's environment defaults
// (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID,
// OPENAI_CUSTOM_HEADERS …) are never read: the client is built from the
// chat-completions service alone, without openai.NewClient. Retries are
// off: the router is the only retry loop.
package openai

import (
	"cmp"
	"context"
	"iter"
	"net/http"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/providers"
	"github.com/botgateway/bot/models"
)

// The provider ids this package serves.
const (
	IDOpenAI     = "openai"
	IDOpenRouter = "openrouter"
)

// Default API roots, /v1 included, from internal/providers.
var (
	DefaultBaseURL    = providers.DefaultURL(IDOpenAI)
	OpenRouterBaseURL = providers.DefaultURL(IDOpenRouter)
)

// Config configures a Client. The zero Config is OpenAI at DefaultBaseURL
// with http.DefaultClient.
type Config struct {
	// ID is the provider id: IDOpenAI ("" = IDOpenAI) or IDOpenRouter. Any
	// other id names an OpenAI-compatible provider and needs BaseURL.
	ID string
	// BaseURL is the API root, /v1 included ("" = DefaultBaseURL, or
	// OpenRouterBaseURL for IDOpenRouter).
	BaseURL string
	// HTTPClient sends the requests (nil = http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock used to read a Retry-After date (nil = time.Now).
	Now func() time.Time
	// MaxTokens is the default token limit of an answer (0 = the model's
	// own). OpenAI gets it as max_completion_tokens, other providers as
	// max_tokens.
	MaxTokens int
}

// Client is the OpenAI (or OpenRouter) provider. It is safe for concurrent
// use.
type Client struct {
	id          string
	completions sdk.ChatCompletionService
	now         func() time.Time
	maxTokens   int
}

var _ models.Provider = (*Client)(nil)

// New returns a Client for cfg. It does no I/O and reads no environment.
func New(cfg Config) *Client {
	id := cmp.Or(cfg.ID, IDOpenAI)
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
		if id == IDOpenRouter {
			base = OpenRouterBaseURL
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{
		id: id,
		// NewChatCompletionService, unlike NewClient, adds no defaults
		// read from the environment.
		completions: sdk.NewChatCompletionService(
			option.WithBaseURL(base),
			option.WithHTTPClient(hc),
			option.WithMaxRetries(0),
		),
		now:       now,
		maxTokens: cfg.MaxTokens,
	}
}

// ID returns the provider id ("openai" or "openrouter").
func (c *Client) ID() string { return c.id }

// Complete sends req with cred and returns the whole answer. It makes
// exactly one HTTP request; failures are *models.CallError, and their text
// never contains the credential.
func (c *Client) Complete(ctx context.Context, req models.Request, cred *auth.Credential) (*models.Response, error) {
	opts, redact, cerr := c.credential(cred)
	if cerr != nil {
		return nil, cerr
	}
	var raw *http.Response
	opts = append(opts, option.WithResponseInto(&raw))
	res, err := c.completions.New(ctx, c.params(req), opts...)
	if err != nil {
		return nil, c.failure(err, raw, redact)
	}
	out := &models.Response{
		Model:        res.Model,
		InputTokens:  int(res.Usage.PromptTokens),
		OutputTokens: int(res.Usage.CompletionTokens),
	}
	if len(res.Choices) > 0 {
		out.Text = res.Choices[0].Message.Content
		out.StopReason = res.Choices[0].FinishReason
	}
	return out, nil
}

// Stream sends req with cred as a streaming request and yields the text
// deltas as they arrive. The request is sent when the sequence is first
// iterated; stopping the iteration closes the response. A failure — an
// HTTP error, an error object inside the stream, a broken or truncated
// stream — is yielded once as a *models.CallError and ends the sequence.
func (c *Client) Stream(ctx context.Context, req models.Request, cred *auth.Credential) iter.Seq2[models.Chunk, error] {
	return func(yield func(models.Chunk, error) bool) {
		opts, redact, cerr := c.credential(cred)
		if cerr != nil {
			yield(models.Chunk{}, cerr)
			return
		}
		var raw *http.Response
		opts = append(opts, option.WithResponseInto(&raw))
		s := c.completions.NewStreaming(ctx, c.params(req), opts...)
		defer s.Close()
		finished := false
		for s.Next() {
			for _, ch := range s.Current().Choices {
				if ch.Delta.Content != "" {
					if !yield(models.Chunk{Text: ch.Delta.Content}, nil) {
						return
					}
				}
				if ch.FinishReason != "" {
					finished = true
				}
			}
		}
		switch err := s.Err(); {
		case err != nil:
			yield(models.Chunk{}, c.failure(err, raw, redact))
		case !finished:
			yield(models.Chunk{}, c.truncated())
		}
	}
}

// params maps a provider-neutral request to a Chat Completions request.
func (c *Client) params(req models.Request) sdk.ChatCompletionNewParams {
	p := sdk.ChatCompletionNewParams{
		Model:    req.Model,
		Messages: make([]sdk.ChatCompletionMessageParamUnion, 0, len(req.Messages)+1),
	}
	if req.System != "" {
		p.Messages = append(p.Messages, sdk.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		if m.Role == models.RoleAssistant {
			p.Messages = append(p.Messages, sdk.AssistantMessage(m.Text))
		} else {
			p.Messages = append(p.Messages, sdk.UserMessage(m.Text))
		}
	}
	if n := int64(cmp.Or(req.MaxTokens, c.maxTokens)); n > 0 {
		if c.id == IDOpenAI {
			p.MaxCompletionTokens = sdk.Int(n) // max_tokens is refused by OpenAI's reasoning models
		} else {
			p.MaxTokens = sdk.Int(n)
		}
	}
	return p
}
