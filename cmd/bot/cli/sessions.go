package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/gateway"
	"github.com/botgateway/bot/internal/errline"
	"github.com/botgateway/bot/sessions"
)

// SessionsCmd groups "bot sessions list|show|reset": the way out when a
// pin points somewhere wrong.
type SessionsCmd struct {
	List  SessionsListCmd  `cmd:"" help:"List the sessions with their model and pin."`
	Show  SessionsShowCmd  `cmd:"" help:"Show one session."`
	Reset SessionsResetCmd `cmd:"" help:"Forget a session: model, pin and history."`
}

// sessionJSON is the --json form of a session.
type sessionJSON struct {
	Key       string `json:"key"`
	Agent     string `json:"agent"`
	Model     string `json:"model"`
	Profile   string `json:"profile"`
	PinSource string `json:"pinSource"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

func toJSON(s sessions.Session) sessionJSON {
	return sessionJSON{
		Key: string(s.Key), Agent: s.Agent, Model: s.Model, Profile: s.Profile, PinSource: string(s.PinSource),
		CreatedAt: s.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: s.UpdatedAt.UTC().Format(time.RFC3339),
	}
}

// openSessions opens the sessions database for a command that changes it,
// creating it when there is none.
func (a *App) openSessions(ctx context.Context) (*sessions.Store, error) {
	p, err := a.Paths()
	if err != nil {
		return nil, err
	}
	st, err := sessions.Open(ctx, p.SessionsDB(), sessions.Options{Now: a.Now, Logger: a.Log()})
	if err != nil {
		return nil, a.sessionsError(err)
	}
	return st, nil
}

// readSessions opens the sessions database for a command that only reads
// it: read-only, creating and changing no file (no directory, database,
// -wal, -shm or lock file). It returns nil, and no error, when there is
// no database yet.
func (a *App) readSessions(ctx context.Context) (*sessions.Store, error) {
	p, err := a.Paths()
	if err != nil {
		return nil, err
	}
	st, err := sessions.OpenReadOnly(ctx, p.SessionsDB(), sessions.Options{Now: a.Now, Logger: a.Log(), HistoryCache: -1})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, a.sessionsError(err)
	}
	return st, nil
}

// sessionsError turns a *sessions.FileError into the line the user sees,
// with the file shown as ~/...; other errors are returned unchanged.
func (a *App) sessionsError(err error) error {
	if line, ok := a.sessionsLine(err); ok {
		return shownError{line, err}
	}
	return err
}

// shownError is an error whose message is ready for the user and which
// still matches its cause with errors.Is and errors.As.
type shownError struct {
	msg string
	err error
}

func (e shownError) Error() string { return e.msg }
func (e shownError) Unwrap() error { return e.err }

// sessionsLine is the one line that says what is wrong with the sessions
// database and what to do, when err is a *sessions.FileError.
func (a *App) sessionsLine(err error) (string, bool) {
	fe, ok := errors.AsType[*sessions.FileError](err)
	if !ok {
		return "", false
	}
	p, perr := a.Paths()
	if perr != nil {
		return fe.Line(fe.Path), true
	}
	// errline's line, as for every command: a permission error names
	// what stops it and the chmod or chown.
	line, _ := errline.Line(err, p)
	return line, true
}

// openUsage opens the profile usage the router records (cooldowns, last
// used, failed refreshes) for a command that only reads it: nil, and no
// file created, when the sessions database does not exist yet. The
// returned close is never nil.
func (a *App) openUsage(ctx context.Context) (auth.Usage, func(), error) {
	st, err := a.readSessions(ctx)
	if err != nil || st == nil {
		return nil, func() {}, err
	}
	return gateway.Usage{S: st}, func() { st.Close() }, nil
}

// SessionsListCmd is "bot sessions list".
type SessionsListCmd struct {
	Agent string `help:"Only this agent's sessions." placeholder:"ID"`
	JSON  bool   `name:"json" help:"Print JSON."`
}

// Run lists the sessions.
func (c *SessionsListCmd) Run(ctx context.Context, app *App) error {
	agent := ""
	if c.Agent != "" {
		var err error
		if agent, err = app.Agent(c.Agent); err != nil {
			return err
		}
	}
	st, err := app.readSessions(ctx)
	if err != nil {
		return err
	}
	var list []sessions.Session
	if st != nil {
		defer st.Close()
		if list, err = st.List(ctx, agent); err != nil {
			return err
		}
	}
	if c.JSON {
		out := make([]sessionJSON, 0, len(list))
		for _, s := range list {
			out = append(out, toJSON(s))
		}
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(app.Stdout, "No sessions yet.")
		return nil
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tAGENT\tMODEL\tPIN\tUPDATED")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Key, s.Agent, orDash(s.Model, "(default)"), pinText(s), s.UpdatedAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func orDash(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

func pinText(s sessions.Session) string {
	if s.Profile == "" {
		return "-"
	}
	return fmt.Sprintf("%s (%s)", s.Profile, s.PinSource)
}

// SessionsShowCmd is "bot sessions show KEY".
type SessionsShowCmd struct {
	Key   string `arg:"" help:"Session key, for example console:local or telegram:42."`
	Agent string `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
	JSON  bool   `name:"json" help:"Print JSON."`
}

// Run shows one session.
func (c *SessionsShowCmd) Run(ctx context.Context, app *App) error {
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	s, ok, err := app.readSession(ctx, agent, c.Key)
	if err != nil {
		return err
	}
	if !ok {
		return noSession(c.Key, agent)
	}
	if c.JSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(toJSON(s))
	}
	fmt.Fprintf(app.Stdout, "Session: %s\nAgent: %s\nModel: %s\nPin: %s\nCreated: %s\nUpdated: %s\n",
		s.Key, s.Agent, orDash(s.Model, "(default)"), pinText(s),
		s.CreatedAt.Local().Format(time.RFC3339), s.UpdatedAt.Local().Format(time.RFC3339))
	return nil
}

// SessionsResetCmd is "bot sessions reset KEY".
type SessionsResetCmd struct {
	Key   string `arg:"" help:"Session key, for example console:local or telegram:42."`
	Agent string `help:"Agent id (default: the configured default agent)." placeholder:"ID"`
}

// Run forgets the session. An unknown key is an error, and then nothing
// is written (not even a new database).
func (c *SessionsResetCmd) Run(ctx context.Context, app *App) error {
	agent, err := app.Agent(c.Agent)
	if err != nil {
		return err
	}
	if _, ok, err := app.readSession(ctx, agent, c.Key); err != nil || !ok {
		if err == nil {
			err = noSession(c.Key, agent)
		}
		return err
	}
	st, err := app.openSessions(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Delete(ctx, agent, sessions.Key(c.Key))
	if err != nil {
		return err
	}
	if n == 0 { // another process reset it in between
		return noSession(c.Key, agent)
	}
	fmt.Fprintf(app.Stdout, "Session %s reset: model, pin and history forgotten.\n", c.Key)
	return nil
}

// readSession looks key of agent up without changing any file.
func (a *App) readSession(ctx context.Context, agent, key string) (sessions.Session, bool, error) {
	if err := sessions.Key(key).Validate(); err != nil {
		return sessions.Session{}, false, userErrorf("%s; list the sessions with: bot sessions list", strings.TrimSuffix(err.Error(), ": "+sessions.ErrInvalid.Error()))
	}
	st, err := a.readSessions(ctx)
	if err != nil || st == nil {
		return sessions.Session{}, false, err
	}
	defer st.Close()
	return st.Get(ctx, agent, sessions.Key(key))
}

// noSession is the error for a key that names no session.
func noSession(key, agent string) error {
	return userErrorf("no session %q for agent %s; list them with: bot sessions list", key, agent)
}
