package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/botgateway/bot/adapters"
)

// The states of a channel, as GET /healthz shows them.
const (
	// StateStarting: Run has not started the channel yet.
	StateStarting = "starting"
	// StateRunning: the channel's Run is under way (and, after a
	// failure, has been for StableAfter).
	StateRunning = "running"
	// StateReconnecting: the channel failed or dropped and is being
	// restarted; healthy for ReconnectGrace from the first failure.
	StateReconnecting = "reconnecting"
	// StateFailed: the channel failed for good (adapters.ErrFatal, or a
	// failure of a gateway that does not restart channels).
	StateFailed = "failed"
	// StateEnded: the channel's input ended (the console at EOF).
	StateEnded = "ended"
	// StateStopped: the gateway is stopping.
	StateStopped = "stopped"
)

// ReconnectGrace is how long a reconnecting channel keeps the gateway
// healthy (DESIGN §5.2): a platform's connection drops now and then, and
// a restart within this time is no reason to page anyone.
const ReconnectGrace = 30 * time.Second

// Health is the body of GET /healthz.
type Health struct {
	// Status is "ok" while every channel runs (or reconnects within
	// ReconnectGrace), else "degraded".
	Status   string                   `json:"status"`
	Channels map[string]ChannelHealth `json:"channels"`
}

// ChannelHealth is one channel's entry of Health.
type ChannelHealth struct {
	State string `json:"state"`
	// Error is the one line of the channel's last failure, while it is
	// reconnecting or failed.
	Error string `json:"error,omitempty"`
	// Since is when the channel's current run of failures began.
	Since *time.Time `json:"since,omitempty"`
	// Warning is what a running channel reports that needs the operator
	// (adapters.Warner: a second Telegram poller); it does not degrade
	// the gateway.
	Warning string `json:"warning,omitempty"`
}

// channel is the supervision state of one adapter. Its mutex guards the
// fields; the supervisor goroutine writes them, Health reads them.
type channel struct {
	adapter adapters.Adapter

	mu    sync.Mutex
	state string
	// attempt is when the current Run began (zero while none runs).
	attempt time.Time
	// since is when the current run of failures began (zero: none).
	since time.Time
	err   string
}

// health returns c's entry at now, and whether it keeps the gateway ok.
func (c *channel) health(now time.Time) (ChannelHealth, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := ChannelHealth{State: c.state}
	if c.state == StateFailed {
		h.Error = c.err
	}
	if !c.since.IsZero() && c.state != StateFailed {
		if c.state == StateRunning && now.Sub(c.attempt) >= StableAfter {
			return h, true // recovered
		}
		if c.state == StateRunning {
			h.State = StateReconnecting // restarted, not yet stable
		}
		since := c.since
		h.Since, h.Error = &since, c.err
	}
	switch h.State {
	case StateStarting, StateRunning:
		return h, true
	case StateReconnecting:
		return h, now.Sub(c.since) <= ReconnectGrace
	}
	return h, false
}

// set changes c's state; err (when not nil) becomes its last failure.
func (c *channel) set(state string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = state
	if err != nil {
		c.err = oneLine(err)
	}
}

// oneLine is the first line of err's text.
func oneLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// Health reports the state of every channel.
func (g *Gateway) Health() Health {
	now := time.Now()
	h := Health{Status: "ok", Channels: make(map[string]ChannelHealth, len(g.chans))}
	for _, c := range g.chans {
		ch, ok := c.health(now)
		if !ok {
			h.Status = "degraded"
		}
		if w, isWarner := c.adapter.(adapters.Warner); isWarner {
			ch.Warning = w.Warning()
		}
		h.Channels[c.adapter.Name()] = ch
	}
	return h
}

// ServeHealth answers GET /healthz: 200 and Health while it is ok, 503
// while it is degraded.
func (g *Gateway) ServeHealth(w http.ResponseWriter, _ *http.Request) {
	h := g.Health()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(h)
}
