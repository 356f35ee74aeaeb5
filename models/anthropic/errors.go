package anthropic

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/botgateway/bot/models"
)

// failure turns an error of the SDK into a *models.CallError. raw is the
// HTTP response when one arrived. The SDK's *Error is not kept in the chain:
// it holds the request, headers (and so the credential) included.
func (c *Client) failure(err error, raw *http.Response, redact func(string) string) *models.CallError {
	if apiErr, ok := errors.AsType[*sdk.Error](err); ok {
		status := apiErr.StatusCode
		if status < 400 {
			// An error event inside a stream that started with 200: no
			// HTTP status describes it.
			status = 0
		}
		var h http.Header
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		return c.httpFailure(status, h, apiErr.RawJSON(), redact)
	}
	if raw != nil && raw.StatusCode >= 400 {
		// An error response whose body could not be read.
		return c.httpFailure(raw.StatusCode, raw.Header, "", redact)
	}
	ce := models.TransportError(fmt.Errorf("anthropic messages: %w", err))
	if text := ce.Err.Error(); redact(text) != text {
		ce.Err = errors.New(redact(text)) // drop the chain that holds the secret
	}
	return ce
}

// httpFailure classifies an error response from its status, headers and
// body ({"type":"error","error":{"type":…,"message":…}}).
func (c *Client) httpFailure(status int, h http.Header, body string, redact func(string) string) *models.CallError {
	var e struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e) // a body that is not the error object classifies by status
	msg := redact(e.Error.Message)
	ce := models.Classify(status, models.RetryAfterHeader(h), e.Error.Type, msg, c.now())
	if msg == "" {
		ce.Err = fmt.Errorf("anthropic messages: unexpected error body %q", models.Snippet(redact(body)))
	}
	return ce
}

// noCredential is the failure of a call without a credential value; no
// request is sent.
func noCredential() *models.CallError {
	return &models.CallError{Kind: models.KindAuth, Err: errors.New("anthropic: no credential to send")}
}

// truncated is the failure of a stream that ended without message_stop.
func truncated() *models.CallError {
	return &models.CallError{Kind: models.KindUnknown, Err: errors.New("anthropic messages: stream ended before message_stop")}
}
