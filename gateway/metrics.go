package gateway

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/botgateway/bot/models"
)

// Metrics counts what bot gateway does, for GET /metrics (DESIGN §5.2), in
// a registry of its own (never Prometheus's global one, so two gateways in
// one test process do not collide). Labels hold channel and provider ids,
// outcomes and reasons: never a user, a chat, a credential or any text.
//
// A nil *Metrics counts nothing, so the gateway and the stack need no
// checks. It is safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	received  *prometheus.CounterVec
	replies   *prometheus.CounterVec
	dropped   *prometheus.CounterVec
	calls     *prometheus.HistogramVec
	failovers *prometheus.CounterVec
	cooldowns *prometheus.CounterVec
	refreshes *prometheus.CounterVec
	restarts  *prometheus.CounterVec
}

// NewMetrics returns the gateway's metrics in a new registry, with the Go
// runtime's and the process's own collectors beside them.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messages_received_total",
			Help: "Messages the channels delivered to the gateway.",
		}, []string{"channel"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_replies_sent_total",
			Help: "Answers sent to handled messages (command replies and chat answers, not intake notices).",
		}, []string{"channel"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messages_dropped_total",
			Help: "Messages not handled, by the intake's reason (from a bot, a stranger's plain text, too long, session busy).",
		}, []string{"channel", "reason"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bot_provider_call_duration_seconds",
			Help: "Model provider calls (count) and their duration, by provider and outcome (ok, or the failure kind).",
			// Model calls take from a fraction of a second to minutes.
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160},
		}, []string{"provider", "outcome"}),
		failovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_provider_failovers_total",
			Help: "Calls moved on to a provider's next credential after one failed.",
		}, []string{"provider"}),
		cooldowns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_provider_cooldowns_total",
			Help: "Credentials set aside after a failure, by provider and reason.",
		}, []string{"provider", "reason"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_oauth_refreshes_total",
			Help: "OAuth token requests, by provider and outcome (ok, failed).",
		}, []string{"provider", "outcome"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_channel_restarts_total",
			Help: "Channels restarted after they failed or dropped.",
		}, []string{"channel"}),
	}
	m.reg.MustRegister(m.received, m.replies, m.dropped, m.calls, m.failovers, m.cooldowns, m.refreshes, m.restarts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Call implements models.Observer.
func (m *Metrics) Call(provider, outcome string, d time.Duration) {
	if m != nil {
		m.calls.WithLabelValues(provider, outcome).Observe(d.Seconds())
	}
}

// Failover implements models.Observer.
func (m *Metrics) Failover(provider string) {
	if m != nil {
		m.failovers.WithLabelValues(provider).Inc()
	}
}

// Cooldown implements models.Observer.
func (m *Metrics) Cooldown(provider, reason string) {
	if m != nil {
		m.cooldowns.WithLabelValues(provider, reason).Inc()
	}
}

// Refresh counts an OAuth token request (auth.Refresher.OnRefresh).
func (m *Metrics) Refresh(provider, outcome string) {
	if m != nil {
		m.refreshes.WithLabelValues(provider, outcome).Inc()
	}
}

func (m *Metrics) receivedOn(channel string) {
	if m != nil {
		m.received.WithLabelValues(channel).Inc()
	}
}

func (m *Metrics) repliedOn(channel string) {
	if m != nil {
		m.replies.WithLabelValues(channel).Inc()
	}
}

// droppedOn counts a message the intake did not queue; reason is the
// intake's, whose words after a ";" are detail for the log only.
func (m *Metrics) droppedOn(channel, reason string) {
	if m != nil {
		reason, _, _ = strings.Cut(reason, ";")
		m.dropped.WithLabelValues(channel, reason).Inc()
	}
}

func (m *Metrics) restartedOn(channel string) {
	if m != nil {
		m.restarts.WithLabelValues(channel).Inc()
	}
}

var _ models.Observer = (*Metrics)(nil)
