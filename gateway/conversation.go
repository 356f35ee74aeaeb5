package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/config"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/models"
	"github.com/botgateway/bot/models/catalog"
	"github.com/botgateway/bot/sessions"
)

// Conversation answers plain text: it loads the session's model, pin and
// recent history, asks the router, sends the answer, and then stores the
// exchange (durably, before the next message of the session is handled).
// Its Reply is a ChatFunc.
type Conversation struct {
	Sessions *sessions.Store
	Catalog  *catalog.Catalog
	Router   *models.Router
	// HistoryTurns bounds the earlier messages sent with each call
	// (config sessions.historyTurns; default 20).
	HistoryTurns int
	// Paths shows the files named in error replies as "~/…".
	Paths config.Paths
	Log   *slog.Logger
}

// storeFailed is the reply when a store cannot be read: the error's own
// line when bot explains it (the file and its fix), else generic.
func (c *Conversation) storeFailed(err error, generic string) error {
	if line, ok := errline.Line(err, c.Paths); ok {
		return errors.New(line)
	}
	return errors.New(generic)
}

// sessionStoreFailed is the generic reply for a session store that cannot
// be read.
const sessionStoreFailed = "The session store cannot be read; run bot doctor on the gateway host."

// Model returns the model a session's next message goes to: the one the
// session chose while the catalog still allows it, else the default.
func (c *Conversation) Model(s sessions.Session) catalog.Ref {
	if s.Model != "" {
		p, m, _ := strings.Cut(s.Model, "/")
		if ref, err := c.Catalog.Resolve(p, m); err == nil && c.Catalog.Allowed(ref) {
			return ref
		}
	}
	return c.Catalog.Default()
}

// Reply implements ChatFunc. Its errors are user-facing lines.
func (c *Conversation) Reply(ctx context.Context, agent string, key sessions.Key, text string, send func(string)) error {
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, _, err := c.Sessions.Get(ctx, agent, key)
	if err != nil {
		log.Error("load session", logkeys.Session, string(key), logkeys.Err, err)
		return c.storeFailed(err, sessionStoreFailed)
	}
	target := c.Model(s)
	turns := c.HistoryTurns
	if turns <= 0 {
		turns = 20
	}
	hist, err := c.Sessions.History(ctx, agent, key, turns)
	if err != nil {
		log.Error("load history", logkeys.Session, string(key), logkeys.Err, err)
		return c.storeFailed(err, sessionStoreFailed)
	}
	req := models.Request{Messages: make([]models.Message, 0, len(hist)+1)}
	for _, t := range hist {
		req.Messages = append(req.Messages, models.Message{Role: models.Role(t.Role), Text: t.Text})
	}
	req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: text})

	t := models.Target{Agent: agent, Provider: target.Provider, Model: target.Model}
	if s.Profile != "" && auth.ProfileID(s.Profile).Provider() == target.Provider {
		t.Pin, t.PinIsUser = auth.ProfileID(s.Profile), s.PinSource == sessions.SourceUser
	}
	res, err := c.Router.Complete(ctx, t, req)
	if err != nil {
		var re *models.ReplyError
		if errors.As(err, &re) {
			log.Warn("chat turn failed", logkeys.Session, string(key), logkeys.Provider, target.Provider, logkeys.Err, err)
			// The router's generic line for a store it cannot read gives
			// way to the store's own, which names the file and the fix.
			if re.Err != nil {
				if line, ok := errline.Line(re.Err, c.Paths); ok {
					return errors.New(line)
				}
			}
			return re
		}
		ref := commands.NewRef()
		log.Error("chat turn failed", logkeys.Ref, ref, logkeys.Session, string(key), logkeys.Err, err)
		return fmt.Errorf("Something went wrong (ref %s).", ref)
	}
	send(res.Response.Text)
	// Store the exchange; an automatic pin follows the profile that
	// answered, so the conversation stays on one credential until it fails
	// or the user starts /new. A user pin is never touched. The user has
	// seen the answer, so it is stored even when ctx ends now (shutdown,
	// deadline), as the router records usage.
	ctx = context.WithoutCancel(ctx)
	if err := c.Sessions.AppendTurns(ctx, agent, key,
		sessions.Turn{Role: sessions.RoleUser, Text: text},
		sessions.Turn{Role: sessions.RoleAssistant, Text: res.Response.Text}); err != nil {
		log.Warn("store the exchange", logkeys.Session, string(key), logkeys.Err, err)
	}
	if res.Profile != "" && !(s.PinSource == sessions.SourceUser && s.Profile != "") && string(res.Profile) != s.Profile {
		if err := c.Sessions.SetPin(ctx, agent, key, string(res.Profile), sessions.SourceAuto); err != nil {
			log.Warn("auto pin", logkeys.Session, string(key), logkeys.Err, err)
		}
	}
	log.Info("chat turn", logkeys.Session, string(key), logkeys.Model, target.String(), logkeys.Profile, string(res.Profile), logkeys.Attempts, len(res.Attempts))
	return nil
}
