// Package fakecli is the scaffold the fakes' commands (fakediscord,
// faketelegram) share: a main that ends on SIGINT or SIGTERM and exits
// with the right code, the fakes.TB of a program, and the loop that plays
// stdin's lines while a watcher prints what the bot does.
package fakecli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// ErrUsage reports bad flags or arguments, once the problem and the usage
// are printed: Main exits 2.
var ErrUsage = errors.New("usage")

// Main runs a command named name: run gets a context that ends on SIGINT
// or SIGTERM, the arguments and the standard streams. Main exits 2 on
// ErrUsage, 1 with "name: error" on stderr on another error.
func Main(name string, run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, ErrUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Parse parses args with fs (whose output is the command's stderr); help
// reports -h (the usage is printed: the command ends, successfully). Bad
// flags and any argument left are ErrUsage or an error naming it.
func Parse(fs *flag.FlagSet, args []string) (help bool, err error) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return true, nil
	case err != nil:
		return false, ErrUsage
	case fs.NArg() > 0:
		return false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return false, nil
}

// Cleanups is the fakes.TB of a program: Cleanup registers what to close
// at exit, Run closes it (last registered first).
type Cleanups struct {
	mu  sync.Mutex
	fns []func()
}

// Helper implements fakes.TB.
func (c *Cleanups) Helper() {}

// Cleanup implements fakes.TB.
func (c *Cleanups) Cleanup(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, f)
}

// Run runs the registered functions, last first.
func (c *Cleanups) Run() {
	c.mu.Lock()
	fns := c.fns
	c.fns = nil
	c.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// Out serialises the lines of the input loop and the watcher.
type Out struct {
	mu sync.Mutex
	w  io.Writer
}

// NewOut returns an Out writing to w.
func NewOut(w io.Writer) *Out { return &Out{w: w} }

// Printf writes one formatted piece of output.
func (o *Out) Printf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format, args...)
}

// Loop runs watch (which prints what the bot does until its context
// ends) beside a loop handing each line of stdin to play, whose error is
// printed as "! error"; it returns when stdin ends or ctx does, once
// watch has returned.
func Loop(ctx context.Context, stdin io.Reader, out *Out, watch func(context.Context), play func(line string) error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { watch(ctx) })
	defer wg.Wait()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case line, ok := <-lines:
			if !ok {
				cancel()
				return
			}
			if err := play(line); err != nil {
				out.Printf("! %v\n", err)
			}
		}
	}
}
