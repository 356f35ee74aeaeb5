package openai

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/botgateway/bot/models"
)

// failure turns an error of the SDK into a *models.CallError. raw is the
// HTTP response when one arrived. The SDK's errors are not kept in the
// chain: *sdk.Error holds the request, headers (and so the credential)
// included.
func (c *Client) failure(err error, raw *http.Response, redact func(string) string) *models.CallError {
	if apiErr, ok := errors.AsType[*sdk.Error](err); ok {
		var h http.Header
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		obj := []byte(apiErr.RawJSON())
		if len(obj) == 0 && apiErr.Response != nil && apiErr.Response.Body != nil {
			// No error object (a proxy's page): the SDK left the body
			// readable.
			body, _ := io.ReadAll(io.LimitReader(apiErr.Response.Body, 64<<10))
			obj = errorObject(body)
		}
		return c.httpFailure(apiErr.StatusCode, h, obj, redact)
	}
	if se, ok := errors.AsType[*ssestream.StreamError](err); ok {
		// An error object inside a stream that started with 200: no HTTP
		// status describes it.
		return c.httpFailure(0, nil, errorObject(se.Event.Data), redact)
	}
	if raw != nil && raw.StatusCode >= 400 {
		// An error response the SDK could not decode (OpenRouter's numeric
		// codes, a proxy's HTML page): the SDK left the body readable.
		var body []byte
		if raw.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(raw.Body, 64<<10))
		}
		return c.httpFailure(raw.StatusCode, raw.Header, errorObject(body), redact)
	}
	ce := models.TransportError(fmt.Errorf("%s chat completions: %w", c.id, err))
	if text := ce.Err.Error(); redact(text) != text {
		ce.Err = errors.New(redact(text)) // drop the chain that holds the secret
	}
	return ce
}

// errorObject returns the "error" member of a body, or the body itself when
// it has none.
func errorObject(body []byte) []byte {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 && env.Error[0] == '{' {
		return env.Error
	}
	return body
}

// httpFailure classifies an error response from its status, headers and
// error object ({"type":…,"code":…,"message":…}; OpenRouter's code is a
// number).
func (c *Client) httpFailure(status int, h http.Header, obj []byte, redact func(string) string) *models.CallError {
	var e struct {
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	_ = json.Unmarshal(obj, &e) // an object of another shape classifies by status
	var code string
	_ = json.Unmarshal(e.Code, &code) // only a string code names an error type
	typ := e.Type
	if typ == "" || code == "insufficient_quota" {
		typ = cmp.Or(code, typ)
	}
	msg := redact(e.Message)
	ce := models.Classify(status, models.RetryAfterHeader(h), typ, msg, c.now())
	if msg == "" {
		ce.Err = fmt.Errorf("%s chat completions: unexpected error body %q", c.id, models.Snippet(redact(string(obj))))
	}
	return ce
}

// noCredential is the failure of a call without a credential value; no
// request is sent.
func (c *Client) noCredential() *models.CallError {
	return &models.CallError{Kind: models.KindAuth, Err: fmt.Errorf("%s: no credential to send", c.id)}
}

// truncated is the failure of a stream that ended without a finish reason.
func (c *Client) truncated() *models.CallError {
	return &models.CallError{Kind: models.KindUnknown, Err: fmt.Errorf("%s chat completions: stream ended before a finish_reason", c.id)}
}
