package fakes

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// discordReplayBuffer is how many dispatches a session keeps at least
// (at most twice as many) for a RESUME; a client further behind is told
// to identify anew (op 9).
const discordReplayBuffer = 10000

// Gateway close codes the fake uses.
const (
	DiscordCloseUnknownOpcode        = 4001
	DiscordCloseNotAuthenticated     = 4003
	DiscordCloseAuthenticationFailed = 4004
	DiscordCloseAlreadyAuthenticated = 4005
	DiscordCloseDisallowedIntents    = 4014
)

// dcSession is a gateway session: what IDENTIFY opened and RESUME
// continues.
type dcSession struct {
	id        string
	intents   int
	seq       int64
	events    [][]byte // every dispatch, in order, for replay
	eventSeqs []int64
	conn      *dcConn // nil while disconnected
	dead      bool    // invalidated: RESUME is answered op 9
	compress  bool    // IDENTIFY asked for compressed payloads
}

// dcConn is one websocket connection to the gateway. Frames go out
// through an unbounded queue, so the fake never blocks on a client while
// holding its lock.
type dcConn struct {
	ws   *websocket.Conn
	sess *dcSession

	qmu    sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	closed bool
}

func (c *dcConn) enqueue(b []byte) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.closed {
		return
	}
	c.queue = append(c.queue, b)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Markers of queued frames that are not JSON text (which starts with '{').
const (
	frameClose = 0 // a close frame, then the connection ends
	frameZlib  = 1 // a zlib-compressed binary frame
)

// closeWith queues a close frame; the writer sends it and closes.
func (c *dcConn) closeWith(code int, text string) {
	c.enqueue(append([]byte{frameClose}, websocket.FormatCloseMessage(code, text)...))
}

// zlibFrame returns the JSON b as a queued zlib binary frame, as Discord
// sends large payloads (READY, GUILD_CREATE) to a client that identified
// with compress: true.
func zlibFrame(b []byte) []byte {
	var buf bytes.Buffer
	buf.WriteByte(frameZlib)
	z := zlib.NewWriter(&buf)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}

// writer sends the queued frames until the connection ends.
func (c *dcConn) writer(done <-chan struct{}) {
	for {
		c.qmu.Lock()
		q := c.queue
		c.queue = nil
		c.qmu.Unlock()
		for _, b := range q {
			typ := websocket.TextMessage
			switch {
			case len(b) > 0 && b[0] == frameClose:
				c.ws.WriteControl(websocket.CloseMessage, b[1:], time.Now().Add(time.Second))
				c.ws.Close()
				return
			case len(b) > 0 && b[0] == frameZlib:
				typ, b = websocket.BinaryMessage, b[1:]
			}
			if err := c.ws.WriteMessage(typ, b); err != nil {
				return
			}
		}
		select {
		case <-c.wake:
		case <-done:
			return
		}
	}
}

type gwPayload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func gwFrame(op int, d any) []byte {
	b, err := json.Marshal(map[string]any{"op": op, "d": d, "s": nil, "t": nil})
	if err != nil {
		panic(err)
	}
	return b
}

// serveGateway serves one websocket connection of the gateway.
func (f *Discord) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := f.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &dcConn{ws: ws, wake: make(chan struct{}, 1)}
	connDone := make(chan struct{})
	f.mu.Lock()
	f.conns[c] = true
	hb := f.heartbeat
	f.notify()
	f.mu.Unlock()
	go c.writer(connDone)
	defer func() {
		close(connDone)
		ws.Close()
		c.qmu.Lock()
		c.closed = true
		c.qmu.Unlock()
		f.mu.Lock()
		delete(f.conns, c)
		if c.sess != nil && c.sess.conn == c {
			c.sess.conn = nil
		}
		f.notify()
		f.mu.Unlock()
	}()
	c.enqueue(gwFrame(10, map[string]any{"heartbeat_interval": hb.Milliseconds()}))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var p gwPayload
		if json.Unmarshal(msg, &p) != nil {
			c.closeWith(4002, "Error while decoding payload.")
			continue
		}
		f.mu.Lock()
		switch p.Op {
		case 1:
			f.heartbeats++
			if !f.noAcks {
				c.enqueue(gwFrame(11, nil))
			}
			f.notify()
		case 2:
			f.identify(c, p.D)
		case 6:
			f.resume(c, p.D)
		case 3, 4, 8: // presence, voice state, request guild members: accepted, ignored
			if c.sess == nil {
				c.closeWith(DiscordCloseNotAuthenticated, "Not authenticated.")
			}
		default:
			c.closeWith(DiscordCloseUnknownOpcode, "Unknown opcode.")
		}
		f.mu.Unlock()
	}
}

// identify handles op 2; f.mu is held.
func (f *Discord) identify(c *dcConn, d json.RawMessage) {
	var id struct {
		Token    string `json:"token"`
		Intents  int    `json:"intents"`
		Compress bool   `json:"compress"`
	}
	json.Unmarshal(d, &id)
	rec := DiscordIdentify{Op: 2, Intents: id.Intents, Compress: id.Compress}
	defer func() {
		f.identifies = append(f.identifies, rec)
		f.notify()
	}()
	if c.sess != nil {
		c.closeWith(DiscordCloseAlreadyAuthenticated, "Already authenticated.")
		return
	}
	if strings.TrimPrefix(id.Token, "Bot ") != f.token {
		c.closeWith(DiscordCloseAuthenticationFailed, "Authentication failed.")
		return
	}
	if id.Intents&DiscordIntentMessageContent != 0 && !f.privileged {
		c.closeWith(DiscordCloseDisallowedIntents, "Disallowed intent(s).")
		return
	}
	rec.Accepted = true
	for _, old := range f.sessions {
		if old.conn == nil {
			old.dead = true // superseded: a later RESUME of it is refused
		}
	}
	s := &dcSession{id: "fake-session-" + f.snowflake(), intents: id.Intents, conn: c, compress: id.Compress}
	rec.SessionID = s.id
	c.sess = s
	f.sessions = append(f.sessions, s)
	guilds := make([]map[string]any, 0, len(f.guilds))
	for _, g := range f.sortedGuilds() {
		guilds = append(guilds, map[string]any{"id": g.ID, "unavailable": true})
	}
	f.dispatchTo(s, "READY", map[string]any{
		"v": 10, "user": f.me, "guilds": guilds, "session_id": s.id,
		"resume_gateway_url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + discordResumeGatewayPath,
		"shard":              [2]int{0, 1}, "application": map[string]any{"id": f.appID, "flags": 0},
		"private_channels": []any{}, "session_type": "normal",
	})
	if s.intents&DiscordIntentGuilds != 0 {
		for _, g := range f.sortedGuilds() {
			f.dispatchTo(s, "GUILD_CREATE", f.guildCreate(g))
		}
	}
}

// resume handles op 6; f.mu is held.
func (f *Discord) resume(c *dcConn, d json.RawMessage) {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	json.Unmarshal(d, &rs)
	rec := DiscordIdentify{Op: 6, SessionID: rs.SessionID, Seq: rs.Seq}
	defer func() {
		f.identifies = append(f.identifies, rec)
		f.notify()
	}()
	if strings.TrimPrefix(rs.Token, "Bot ") != f.token {
		c.closeWith(DiscordCloseAuthenticationFailed, "Authentication failed.")
		return
	}
	var s *dcSession
	for _, x := range f.sessions {
		if x.id == rs.SessionID && !x.dead {
			s = x
		}
	}
	// A sequence ahead of the session, or one whose successors left the
	// replay buffer, cannot be resumed.
	if s == nil || rs.Seq > s.seq || len(s.eventSeqs) > 0 && rs.Seq < s.eventSeqs[0]-1 {
		c.enqueue(gwFrame(9, false))
		return
	}
	if old := s.conn; old != nil && old != c {
		old.sess = nil
		old.closeWith(websocket.CloseServiceRestart, "resumed elsewhere")
	}
	rec.Accepted, rec.Intents = true, s.intents
	c.sess, s.conn = s, c
	for i, seq := range s.eventSeqs {
		if seq > rs.Seq {
			c.enqueue(s.events[i])
		}
	}
	f.resumes++
	f.dispatchTo(s, "RESUMED", map[string]any{})
}

// dispatchTo sends a dispatch (op 0) to session s with its next sequence
// number, keeping it for a later RESUME; f.mu is held.
func (f *Discord) dispatchTo(s *dcSession, t string, d any) int64 {
	s.seq++
	b, err := json.Marshal(map[string]any{"op": 0, "s": s.seq, "t": t, "d": d})
	if err != nil {
		panic(err) // the fake's own types always marshal
	}
	if s.compress && (t == "READY" || t == "GUILD_CREATE") {
		b = zlibFrame(b)
	}
	s.events = append(s.events, b)
	s.eventSeqs = append(s.eventSeqs, s.seq)
	if len(s.events) >= 2*discordReplayBuffer { // trimmed in bulk: O(1) a dispatch
		s.events = slices.Clone(s.events[discordReplayBuffer:])
		s.eventSeqs = slices.Clone(s.eventSeqs[discordReplayBuffer:])
	}
	if s.conn != nil {
		s.conn.enqueue(b)
	}
	f.notify()
	return s.seq
}

// live returns the sessions that receive events (identified, not
// invalidated); f.mu is held.
func (f *Discord) live() []*dcSession {
	var out []*dcSession
	for _, s := range f.sessions {
		if !s.dead {
			out = append(out, s)
		}
	}
	return out
}

func (f *Discord) sortedGuilds() []*DiscordGuild {
	gs := make([]*DiscordGuild, 0, len(f.guilds))
	for _, g := range f.guilds {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b *DiscordGuild) int { return strings.Compare(a.ID, b.ID) })
	return gs
}

// guildCreate is the GUILD_CREATE payload of g; f.mu is held.
func (f *Discord) guildCreate(g *DiscordGuild) map[string]any {
	chans, threads := []DiscordChannel{}, []DiscordChannel{}
	for _, c := range f.channels {
		if c.ch.GuildID != g.ID {
			continue
		}
		if c.ch.ParentID != "" {
			threads = append(threads, c.ch)
		} else {
			chans = append(chans, c.ch)
		}
	}
	byID := func(a, b DiscordChannel) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(chans, byID)
	slices.SortFunc(threads, byID)
	roles := []any{
		map[string]any{"id": g.ID, "name": "@everyone", "managed": false, "position": 0, "permissions": "0"},
		map[string]any{"id": g.BotRole, "name": f.me.Username, "managed": true, "position": 1, "permissions": "0",
			"tags": map[string]any{"bot_id": f.me.ID}},
	}
	return map[string]any{"id": g.ID, "name": g.Name, "unavailable": false, "member_count": 2,
		"channels": chans, "threads": threads, "members": []any{}, "roles": roles}
}

// DropSocket closes every gateway connection without a close frame, as a
// network failure would: discordgo reconnects and RESUMEs, and events
// dispatched meanwhile are replayed then.
func (f *Discord) DropSocket() {
	f.mu.Lock()
	conns := f.detachAll()
	f.mu.Unlock()
	for _, c := range conns {
		c.ws.UnderlyingConn().Close()
	}
}

// detachAll takes every connection off its session, so later events wait
// for a RESUME; f.mu is held.
func (f *Discord) detachAll() []*dcConn {
	var conns []*dcConn
	for c := range f.conns {
		if c.sess != nil && c.sess.conn == c {
			c.sess.conn = nil
		}
		c.sess = nil
		conns = append(conns, c)
	}
	f.notify()
	return conns
}

// Reconnect sends op 7 RECONNECT on every connection: discordgo closes it
// and RESUMEs on a new one.
func (f *Discord) Reconnect() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.detachAll() {
		c.enqueue(gwFrame(7, nil))
	}
}

// InvalidateSession sends op 9 INVALID SESSION (d = resumable) on every
// connection; the sessions end (a later RESUME of one is refused unless
// resumable), and discordgo IDENTIFYs again on the same connection.
func (f *Discord) InvalidateSession(resumable bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		if c.sess != nil {
			c.sess.dead = !resumable
			c.sess.conn = nil
			c.sess = nil
		}
		c.enqueue(gwFrame(9, resumable))
	}
	f.notify()
}

// RequestHeartbeat sends op 1 HEARTBEAT on every connection; the client
// must answer with a heartbeat at once.
func (f *Discord) RequestHeartbeat() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.enqueue(gwFrame(1, nil))
	}
}

// Identifies returns the IDENTIFYs (op 2) and RESUMEs (op 6) received.
func (f *Discord) Identifies() []DiscordIdentify {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.identifies)
}

// Heartbeats returns how many heartbeats (op 1) the gateway answered.
func (f *Discord) Heartbeats() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heartbeats
}

// Resumes returns how many RESUMEs the gateway accepted.
func (f *Discord) Resumes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resumes
}

// Connected reports whether a session has a live connection.
func (f *Discord) Connected() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.live() {
		if s.conn != nil {
			return true
		}
	}
	return false
}

// Seq returns the last sequence number dispatched to the live session
// (0 when none).
func (f *Discord) Seq() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var seq int64
	for _, s := range f.live() {
		seq = s.seq
	}
	return seq
}
