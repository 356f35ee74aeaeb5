package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/botgateway/bot/commands"
	"github.com/botgateway/bot/internal/logkeys"
	"github.com/botgateway/bot/internal/usermsg"
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
	Log          *slog.Logger
}

// sessionStoreFailed is the reply when the session store cannot be read
// for a reason no file explains (errline.Chat shows a file's own line
// instead when one does).
const sessionStoreFailed = "The session store cannot be read; run bot doctor on the gateway host."

// Target returns where the next message of the session s of agent goes.
func (c *Conversation) Target(agent string, s sessions.Session) models.Target {
	return commands.SessionTarget(c.Catalog, agent, s)
}

// Reply implements ChatFunc. Its errors are shown to the user through
// errline.Chat: a *usermsg.Error as it is, anything else with a log ref.
func (c *Conversation) Reply(ctx context.Context, agent string, key sessions.Key, text string, out Answer) error {
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, _, err := c.Sessions.Get(ctx, agent, key)
	if err != nil {
		return usermsg.Wrap(fmt.Errorf("gateway: load session %s: %w", key, err), sessionStoreFailed)
	}
	target := c.Target(agent, s)
	turns := c.HistoryTurns
	if turns <= 0 {
		turns = 20
	}
	hist, err := c.Sessions.History(ctx, agent, key, turns)
	if err != nil {
		return usermsg.Wrap(fmt.Errorf("gateway: load history of %s: %w", key, err), sessionStoreFailed)
	}
	req := models.Request{Messages: make([]models.Message, 0, len(hist)+1)}
	for _, t := range hist {
		req.Messages = append(req.Messages, models.Message{Role: models.Role(t.Role), Text: t.Text})
	}
	req.Messages = append(req.Messages, models.Message{Role: models.RoleUser, Text: text})

	// The answer streams to out as it arrives. A reply cut off midway
	// (models.ErrCut) has shown the user what arrived; the gateway adds
	// the line saying why, and nothing of it is stored: the next message
	// is sent without a half-written answer in its history.
	var sofar strings.Builder // String does not copy: each update is cheap
	res, err := c.Router.Stream(ctx, target, req, func(piece string) {
		sofar.WriteString(piece)
		out.Update(sofar.String())
	})
	if err != nil {
		return fmt.Errorf("gateway: chat turn of %s on %s: %w", key, target.Ref, err)
	}
	out.Done(res.Response.Text)
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
	log.Info("chat turn", logkeys.Session, string(key), logkeys.Model, target.Ref.String(), logkeys.Profile, string(res.Profile), logkeys.Attempts, len(res.Attempts))
	return nil
}
