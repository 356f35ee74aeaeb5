// Package models holds the provider-neutral request and response types,
// the Provider interface the provider clients (models/anthropic,
// models/openai) implement, the classification of provider failures, and
// the Router that picks the credential for every call (DESIGN §6).
package models

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/botgateway/bot/auth"
)

// Role is who wrote a message of the conversation.
type Role string

// The roles of a conversation.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of the conversation sent to the model.
type Message struct {
	Role Role
	Text string
}

// Request is one call to a model.
type Request struct {
	// Model is the provider's model id, without the provider prefix
	// ("claude-sonnet-4-5", "moonshotai/kimi-k2").
	Model     string
	System    string
	Messages  []Message
	MaxTokens int // 0 = the provider client's default
}

// Response is a model's complete answer.
type Response struct {
	Text                      string
	Model                     string // as reported by the provider
	StopReason                string
	InputTokens, OutputTokens int
}

// Chunk is a piece of a streamed answer.
type Chunk struct {
	Text string
}

// Provider is one model provider's client. Implementations hold no
// credential: the credential travels with every call, so nothing global
// ties a client to one account (DESIGN §6, issue 4).
type Provider interface {
	// ID is the provider id: "anthropic", "openai", "openrouter".
	ID() string
	// Complete sends req with cred and returns the whole answer. It blocks
	// until the provider answers or ctx ends. Failures are *CallError.
	// It never retries: the router is the only retry loop.
	Complete(ctx context.Context, req Request, cred *auth.Credential) (*Response, error)
	// Stream sends req with cred and yields the answer as it arrives. A
	// failure is yielded once, as a *CallError, and ends the sequence.
	Stream(ctx context.Context, req Request, cred *auth.Credential) iter.Seq2[Chunk, error]
}

// Kind classifies a failed call (DESIGN §6).
type Kind string

// The failure kinds.
const (
	KindAuth       Kind = "auth"
	KindRateLimit  Kind = "rate_limit"
	KindOverloaded Kind = "overloaded"
	KindBilling    Kind = "billing"
	KindTimeout    Kind = "timeout"
	KindFormat     Kind = "format"
	KindUnknown    Kind = "unknown"
)

// ClaudeCodeOnly is Anthropic's answer to a Claude subscription token used
// outside Claude Code; it is a permanent auth failure of that profile.
const ClaudeCodeOnly = "This credential is only authorized for use with Claude Code and cannot be used for other API requests."

// CallError is a failed provider call, classified from the HTTP status and
// the provider's error body — never from the text of our own messages.
type CallError struct {
	Kind   Kind
	Status int // HTTP status, 0 when no response arrived
	// RetryAfter is the provider's Retry-After, 0 when absent.
	RetryAfter time.Duration
	// Permanent marks a failure that will not go away by waiting (a
	// revoked key, the Claude-Code-only answer): the profile is disabled
	// rather than cooled down.
	Permanent bool
	// ProviderType and ProviderMsg are the provider's error type and
	// message ("rate_limit_error", "Number of requests has exceeded ...").
	// They never contain the credential.
	ProviderType string
	ProviderMsg  string
	// ClaudeCodeOnly reports Anthropic's Claude-Code-only answer.
	ClaudeCodeOnly bool
	// TokenExpired reports a 401 that says the OAuth access token expired.
	TokenExpired bool
	Err          error
}

func (e *CallError) Error() string {
	msg := fmt.Sprintf("provider call failed: %s", e.Kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.ProviderMsg != "" {
		msg += ": " + e.ProviderMsg
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *CallError) Unwrap() error { return e.Err }

// Classify builds the CallError of an HTTP error response: status, the
// Retry-After header value (seconds or an HTTP date; "" if absent), and the
// provider's error type and message from the body. now parses HTTP dates.
func Classify(status int, retryAfter, errType, errMsg string, now time.Time) *CallError {
	e := &CallError{Status: status, ProviderType: errType, ProviderMsg: errMsg, RetryAfter: parseRetryAfter(retryAfter, now)}
	switch {
	case errMsg == ClaudeCodeOnly:
		e.Kind, e.Permanent, e.ClaudeCodeOnly = KindAuth, true, true
	case status == 401:
		e.Kind = KindAuth
		e.TokenExpired = errType == "token_expired" || containsFold(errMsg, "token has expired") || containsFold(errMsg, "expired")
	case status == 403:
		e.Kind, e.Permanent = KindAuth, errType == "permission_error"
	case status == 402 || errType == "billing_error" || errType == "insufficient_quota" ||
		(errType == "invalid_request_error" && containsFold(errMsg, "credit balance")):
		// Anthropic answers low credit with a 400 invalid_request_error
		// "Your credit balance is too low ...".
		e.Kind = KindBilling
	case status == 429 || errType == "rate_limit_error" || errType == "rate_limit_exceeded":
		e.Kind = KindRateLimit
	case status == 529 || errType == "overloaded_error":
		e.Kind = KindOverloaded
	case status == 0 && errType == "authentication_error":
		e.Kind = KindAuth // an error event inside a stream
	case status == 408 || status == 504:
		e.Kind = KindTimeout
	case status == 400 || status == 404 || status == 413 || status == 422:
		e.Kind = KindFormat
	default:
		e.Kind = KindUnknown
	}
	return e
}

// TransportError classifies a call that got no HTTP response: a deadline
// is a timeout, anything else (refused, reset) unknown.
func TransportError(err error) *CallError {
	if errors.Is(err, context.DeadlineExceeded) {
		return &CallError{Kind: KindTimeout, Err: err}
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return &CallError{Kind: KindTimeout, Err: err}
	}
	return &CallError{Kind: KindUnknown, Err: err}
}
