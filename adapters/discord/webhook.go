package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The requests of an interaction (its initial response, the edits of its
// original response, its follow-ups) are sent here rather than through
// discordgo's rate limiter, which keeps a bucket per URL for ever (each
// interaction's token makes a new one), puts every interaction's edits in
// one bucket whose lock is held across the request (so they go one at a
// time, and one interaction's 429 pauses all), and sleeps on a 429 inside
// the call. Discord authenticates these requests by the interaction's
// token in the URL; their rate limits are per interaction.

// webhookAttempts bounds the tries of one interaction request that may be
// retried.
const webhookAttempts = 3

// ixRequest sends one interaction request: body as JSON, the answer
// decoded into out (when not nil). With retry, a 429 waits its
// retry_after and a 5xx or dropped connection is tried again (at most
// webhookAttempts in all, never past ctx); without, the first answer is
// the result. A refusal is a *discordgo.RESTError, as the library's.
func (a *Adapter) ixRequest(ctx context.Context, method, endpoint string, body, out any, retry bool) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	var pause time.Duration
	for attempt := 1; ; attempt++ {
		wait, err := a.ixOnce(ctx, method, endpoint, b, out)
		if err == nil {
			return nil
		}
		if !retry || wait < 0 || attempt >= webhookAttempts || ctx.Err() != nil {
			return err
		}
		if wait == 0 {
			pause = min(max(2*pause, 250*time.Millisecond), 2*time.Second)
			wait = pause
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// ixOnce sends the request once. On failure, wait says what a retry needs:
// < 0 none may help, 0 a backoff, > 0 the 429's retry_after.
func (a *Adapter) ixOnce(ctx context.Context, method, endpoint string, body []byte, out any) (wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return -1, fmt.Errorf("discord: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", a.s.UserAgent)
	resp, err := a.s.Client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // its URL holds the interaction's token
		}
		return 0, fmt.Errorf("discord: %s interaction request: %w", method, a.redact(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("discord: reading the answer: %w", err)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if out != nil && len(data) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return -1, fmt.Errorf("discord: decoding the answer: %w", err)
			}
		}
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return retryAfter(resp, data), restError(req, resp, data)
	case resp.StatusCode >= 500:
		return 0, restError(req, resp, data)
	default:
		return -1, restError(req, resp, data)
	}
}

// restError is a refusal, as discordgo reports one.
func restError(req *http.Request, resp *http.Response, body []byte) error {
	e := &discordgo.RESTError{Request: req, Response: resp, ResponseBody: body}
	var msg discordgo.APIErrorMessage
	if json.Unmarshal(body, &msg) == nil {
		e.Message = &msg
	}
	return e
}

// retryAfter is a 429's wait: retry_after in its body (seconds), else its
// Retry-After header, at least 50 ms and at most 10 s.
func retryAfter(resp *http.Response, body []byte) time.Duration {
	var rl struct {
		RetryAfter float64 `json:"retry_after"`
	}
	secs := 0.0
	if json.Unmarshal(body, &rl) == nil && rl.RetryAfter > 0 {
		secs = rl.RetryAfter
	} else if h, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64); err == nil {
		secs = h
	}
	return min(max(time.Duration(secs*float64(time.Second)), 50*time.Millisecond), 10*time.Second)
}

// respondRaw sends i's initial response (never retried: Discord may have
// taken it, and a second one is refused with 40060).
func (a *Adapter) respondRaw(ctx context.Context, i *discordgo.Interaction, body any) error {
	return a.ixRequest(ctx, http.MethodPost, discordgo.EndpointInteractionResponse(i.ID, i.Token), body, nil, false)
}

// editResponse edits i's original response (id original) or one of its
// follow-ups.
func (a *Adapter) editResponse(ctx context.Context, i *discordgo.Interaction, id string, e *discordgo.WebhookEdit, retry bool) error {
	return a.ixRequest(ctx, http.MethodPatch, discordgo.EndpointWebhookMessage(i.AppID, i.Token, id), e, nil, retry)
}

// followUp sends a follow-up of i and returns its message id.
func (a *Adapter) followUp(ctx context.Context, i *discordgo.Interaction, p *discordgo.WebhookParams) (string, error) {
	var m discordgo.Message
	if err := a.ixRequest(ctx, http.MethodPost, discordgo.EndpointWebhookToken(i.AppID, i.Token)+"?wait=true", p, &m, true); err != nil {
		return "", err
	}
	return m.ID, nil
}
