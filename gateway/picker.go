package gateway

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/botgateway/bot/adapters"
	"github.com/botgateway/bot/grammar"
	"github.com/botgateway/bot/internal/usermsg"
	"github.com/botgateway/bot/sessions"
)

// maxPickers bounds how many sessions' last pickers are remembered. Past
// it one is forgotten, at random: its "/model <n>" then asks for the list
// again, which costs a user one command, while an unbounded map would let
// a flood of chats grow memory for good.
const maxPickers = 10_000

// pickers remembers, per session, the choices of the last picker shown
// there and the command that showed it, so that "/<command> <n>" runs
// entry n (DESIGN §5: the console renders a picker as a numbered list).
// It lives in memory: after a restart a number asks for the list again.
// The zero value is ready to use and safe for concurrent use.
type pickers struct {
	mu   sync.Mutex
	last map[sessions.Key]picker
}

// picker is one shown picker.
type picker struct {
	command string // the command whose reply it was: "model"
	choices []adapters.Choice
}

// remember records the picker that command's reply showed in key.
func (p *pickers) remember(key sessions.Key, command string, choices []adapters.Choice) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[sessions.Key]picker{}
	}
	if _, ok := p.last[key]; !ok && len(p.last) >= maxPickers {
		for k := range p.last {
			delete(p.last, k)
			break
		}
	}
	p.last[key] = picker{command: command, choices: choices}
}

// resolve returns cmd itself, or, when cmd is "/<command> <n>" with n a
// number, the command of entry n of the last picker that command showed in
// key, parsed. A number without such a picker or entry is a user error.
func (p *pickers) resolve(key sessions.Key, cmd *grammar.Command) (*grammar.Command, error) {
	if len(cmd.Args) != 1 {
		return cmd, nil
	}
	n, err := strconv.Atoi(cmd.Args[0].Value)
	if err != nil || cmd.Args[0].Value[0] == '+' || cmd.Args[0].Value[0] == '-' {
		return cmd, nil
	}
	p.mu.Lock()
	last, ok := p.last[key]
	p.mu.Unlock()
	if !ok || last.command != cmd.Name {
		return nil, usermsg.Errorf("There is no list to pick from in this chat; send /%s list first.", cmd.Name)
	}
	if n < 1 || n > len(last.choices) {
		return nil, usermsg.Errorf("The last list has entries 1 to %d, not %d; send /%s list to see it again.", len(last.choices), n, cmd.Name)
	}
	chosen, err := grammar.Parse(last.choices[n-1].Command, "")
	if err != nil || chosen == nil {
		// Choices are built by the commands themselves: one that does not
		// parse is a bug.
		return nil, fmt.Errorf("gateway: choice %d of /%s is not a command (%q): %v", n, cmd.Name, last.choices[n-1].Command, err)
	}
	return chosen, nil
}
