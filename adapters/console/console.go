// Package console is the stdin/stdout chat channel of "bot chat": each
// input line is a message from the owner, each reply is written to the
// output, with escape sequences and control characters removed
// (Sanitize). A reply's choices follow it as a numbered list; a streamed
// reply (adapters.Streamer) is printed as it grows. On a terminal it is
// interactive: a banner, a prompt with line editing and history
// (golang.org/x/term's Terminal), and Ctrl-C ends it.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/internal/termread"
)

// Name is the console's channel name.
const Name = "console"

// maxLine bounds one input line; longer lines are cut and the rest of the
// line is dropped (the gateway rejects over-long commands anyway).
const maxLine = 64 << 10

// Config configures the console adapter.
type Config struct {
	In  io.Reader
	Out io.Writer
	// Session is the chat name: the session key is console:<Session>.
	// Empty means "local".
	Session string
	// Messages, when not nil, are delivered instead of reading In (bot
	// chat --message).
	Messages []string
	// Interactive makes the console a terminal prompt: In must be an
	// *os.File on a terminal (Out is normally the same terminal). Run
	// puts it in raw mode, writes Banner, then reads each line at Prompt
	// with line editing and history; Ctrl-D on an empty line ends Run,
	// Ctrl-C ends it with termread.ErrInterrupted. The terminal's mode is
	// restored when Run returns.
	Interactive bool
	// Banner is the first line of an interactive console.
	Banner string
	// Prompt is the interactive prompt; empty means "> ".
	Prompt string
}

// Adapter reads messages from In and writes replies to Out. Messages are
// handled one at a time, so replies come out in input order.
type Adapter struct {
	cfg Config
	mu  sync.Mutex // serializes writes to out; guards out, midLine and buf
	out io.Writer  // Out, or the line editor drawing on it
	// midLine is set when the last byte written was not a line break (a
	// streamed reply is being written), so that any other reply starts on
	// a new line.
	midLine bool
	buf     []byte // scratch for one write, reused
}

// New returns a console adapter.
func New(cfg Config) *Adapter {
	if cfg.Session == "" {
		cfg.Session = "local"
	}
	if cfg.Prompt == "" {
		cfg.Prompt = "> "
	}
	return &Adapter{cfg: cfg, out: cfg.Out}
}

// Name returns "console".
func (a *Adapter) Name() string { return Name }

// Run delivers each line (or each of Config.Messages) and waits for it to
// be handled before reading the next. It returns nil at the end of input or
// when ctx ends, and termread.ErrInterrupted when Ctrl-C ends an
// interactive console (also while a message is being handled).
//
// An interactive console's line editor reads (and shows its prompt) only
// between messages: while a reply is written, streamed ones included, the
// screen holds nothing but the reply. What is typed meanwhile is kept and
// shown at the next prompt, and Ctrl-C is seen at once.
func (a *Adapter) Run(ctx context.Context, in adapters.Inbox) error {
	if a.cfg.Messages != nil {
		for _, m := range a.cfg.Messages {
			if !a.deliver(ctx, in, m, nil) {
				return nil
			}
		}
		return nil
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	interrupted := make(chan struct{})
	interrupt := sync.OnceFunc(func() {
		if rctx.Err() == nil {
			close(interrupted)
		}
	})
	var reader sync.WaitGroup
	next := readLines(a.cfg.In)
	if a.cfg.Interactive {
		ed, restore, err := a.editor(rctx, interrupt)
		if err != nil {
			return err
		}
		// Deferred in reverse: the editor's reads end with rctx, then
		// the terminal is restored. (A plain reader blocked on stdin
		// cannot be woken; it ends with the process.)
		defer restore()
		defer reader.Wait()
		defer stop()
		next = ed
	}
	// want asks the reader for the next line: it reads only once the
	// previous message has been handled.
	want := make(chan struct{}, 1)
	lines := make(chan string)
	errc := make(chan error, 1)
	reader.Go(func() {
		defer close(lines)
		for {
			select {
			case <-want:
			case <-rctx.Done():
				return
			}
			line, err := next()
			if line != "" || err == nil {
				select {
				case lines <- line:
				case <-rctx.Done():
					return
				}
			}
			if err != nil {
				if errors.Is(err, termread.ErrInterrupted) {
					interrupt()
				}
				if err != io.EOF {
					errc <- err
				}
				return
			}
		}
	})
	for {
		want <- struct{}{}
		select {
		case <-ctx.Done():
			return nil
		case <-interrupted:
			return termread.ErrInterrupted
		case line, ok := <-lines:
			if !ok {
				select {
				case err := <-errc:
					if ctx.Err() != nil {
						return nil
					}
					if errors.Is(err, termread.ErrInterrupted) {
						return err
					}
					return fmt.Errorf("console: read input: %w", err)
				default:
					return nil
				}
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			if !a.deliver(ctx, in, line, interrupted) {
				if ctx.Err() != nil {
					return nil
				}
				return termread.ErrInterrupted
			}
		}
	}
}

// readLines returns a function that reads r line by line.
func readLines(r io.Reader) func() (string, error) {
	br := bufio.NewReaderSize(r, 4096)
	return func() (string, error) { return readLine(br) }
}

// editor sets up the interactive console on the terminal In: raw mode,
// the line editor (which then draws replies too), its size kept in step
// with the window, and the banner. It returns the line reader and a
// function that restores the terminal.
//
// The terminal is read all the time into a typeahead buffer (so Ctrl-C,
// which calls interrupt, is seen while a message is handled); the line
// editor reads from that buffer.
func (a *Adapter) editor(ctx context.Context, interrupt func()) (func() (string, error), func(), error) {
	tty, ok := a.cfg.In.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return nil, nil, errors.New("console: interactive mode needs a terminal on stdin")
	}
	fd := int(tty.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, nil, fmt.Errorf("console: raw mode: %w", err)
	}
	rd, err := termread.Reader(ctx, tty)
	if err != nil {
		_ = term.Restore(fd, state)
		return nil, nil, err
	}
	ta := newTypeahead()
	var pump sync.WaitGroup
	pump.Go(func() { ta.fill(rd, interrupt) })
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{ta, a.cfg.Out}, a.cfg.Prompt)
	resize := func() {
		// A terminal that reports no size (0 columns: a serial console,
		// some emulators) keeps the editor's 80 columns; at 0 it would
		// break the line after every character.
		if w, h, err := term.GetSize(fd); err == nil && w > 0 && h > 0 {
			_ = t.SetSize(w, h)
		}
	}
	resize()
	winch := make(chan os.Signal, 1)
	notifyResize(winch)
	var sizer sync.WaitGroup
	sctx, stopSizer := context.WithCancel(ctx)
	sizer.Go(func() {
		for {
			select {
			case <-winch:
				resize()
			case <-sctx.Done():
				return
			}
		}
	})
	t.SetBracketedPasteMode(true)
	a.mu.Lock()
	a.out = t
	a.mu.Unlock()
	if a.cfg.Banner != "" {
		fmt.Fprintln(t, Sanitize(a.cfg.Banner))
	}
	next := func() (string, error) {
		line, err := t.ReadLine()
		if errors.Is(err, term.ErrPasteIndicator) {
			err = nil // a pasted line is a line like any other
		}
		if len(line) > maxLine {
			line = strings.ToValidUTF8(line[:maxLine], "")
		}
		return line, err
	}
	restore := func() {
		signal.Stop(winch)
		stopSizer()
		sizer.Wait()
		t.SetBracketedPasteMode(false)
		if readerWakes {
			pump.Wait() // its read ends with ctx, before rd is closed
		}
		_ = rd.Close()
		_ = term.Restore(fd, state)
		a.mu.Lock()
		a.out = a.cfg.Out
		fmt.Fprintln(a.out) // leave the prompt's line
		a.mu.Unlock()
	}
	return next, restore, nil
}

// deliver hands one message to the inbox and waits until it is handled.
// It reports false when ctx ended or the console was interrupted first.
func (a *Adapter) deliver(ctx context.Context, in adapters.Inbox, text string, interrupted <-chan struct{}) bool {
	done := make(chan struct{})
	in.Deliver(ctx, adapters.Message{
		Channel: Name,
		Chat:    adapters.ChatRef(a.cfg.Session),
		Sender:  adapters.Sender{ID: "owner", Name: "console", IsOwner: true},
		Text:    text,
		Reply:   replier{a},
		Done:    sync.OnceFunc(func() { close(done) }),
	})
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	case <-interrupted:
		return false
	}
}

// readLine reads one line without its line ending, at most maxLine bytes.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		if b.Len() < maxLine {
			b.Write(chunk[:min(len(chunk), maxLine-b.Len())])
		}
		if err != nil {
			return b.String(), err
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}

var (
	_ adapters.Adapter  = (*Adapter)(nil)
	_ adapters.Replier  = replier{}
	_ adapters.Streamer = replier{}
)
