package cli

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/botgateway/bot/auth"
	"github.com/botgateway/bot/internal/secret"
)

// withoutSecrets returns line, the line printed for err, a command line
// (args) that kong cannot parse, made so that it never repeats a secret
// typed on the command line by mistake:
//
//   - a word that looks like a secret (secret.Looks: sk-…, or a long run
//     mixing letters and digits), also as the value in --flag=VALUE or
//     -fVALUE or as a flag's name, is shown masked like every secret
//     (DESIGN §4: sk-a...wxyz);
//   - under a command that reads a secret (paste-token, onboard), every
//     word that is not a flag, a flag's value or a command name (the
//     secret given as an argument) is masked, whatever its length, and
//     then the line ends with how to pass the secret on stdin.
func withoutSecrets(line string, err error, args []string) string {
	var names []string          // the command path, e.g. models auth paste-token
	valued := map[string]bool{} // flags that take a value: --provider, -m
	if pe, ok := errors.AsType[*kong.ParseError](err); ok && pe.Context != nil {
		for _, p := range pe.Context.Path {
			if p.Command != nil {
				names = append(names, p.Command.Name)
			}
		}
		for _, f := range pe.Context.Flags() {
			if !f.IsBool() {
				valued["--"+f.Name] = true
				if f.Short != 0 {
					valued["-"+string(f.Short)] = true
				}
			}
		}
	}
	hint := secretHint(names, args)
	var words []string
	for i, a := range args {
		if v, ok := flagValue(a); ok {
			switch {
			case secret.Looks(v):
				words = append(words, v)
			case secret.Looks(strings.TrimLeft(a, "-")): // --sk-ant-…: kong repeats unknown flags
				words = append(words, a)
			}
			continue
		}
		isValue := i > 0 && valued[args[i-1]]
		if secret.Looks(a) || hint != "" && !isValue && !slices.Contains(names, a) {
			words = append(words, a)
		}
	}
	// Longest first, so that a word inside a longer one is not masked
	// into it.
	slices.SortFunc(words, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	msg := line
	for _, w := range words {
		msg = replaceWord(msg, w, auth.NewSecret(w).Mask())
	}
	if hint != "" && msg != line { // an argument was hidden: likely the secret itself
		msg += "; " + hint
	}
	return msg
}

// flagValue returns the value attached to a flag word (--name=VALUE,
// -fVALUE); ok is false for a word that is not a flag.
func flagValue(a string) (string, bool) {
	switch {
	case !strings.HasPrefix(a, "-") || a == "-":
		return "", false
	case strings.Contains(a, "="):
		_, v, _ := strings.Cut(a, "=")
		return v, true
	case !strings.HasPrefix(a, "--") && len(a) > 2:
		return a[2:], true
	}
	return "", true
}

// secretHint says how to pass the secret of a command that reads one;
// "" for every other command.
func secretHint(names, args []string) string {
	provider := "anthropic"
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--provider=")
		if !ok && a == "--provider" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if n := auth.NormalizeProvider(v); ok && auth.KnownProvider(n) {
			provider = n
		}
	}
	switch {
	case slices.Contains(names, "paste-token"):
		return fmt.Sprintf(`the token is read from stdin, never from the command line: printf %%s "$TOKEN" | bot models auth paste-token --provider %s`, provider)
	case slices.Contains(names, "onboard"):
		return fmt.Sprintf(`the key is read from stdin or a hidden prompt, never from the command line: printf %%s "$KEY" | bot onboard --non-interactive --provider %s`, provider)
	}
	return ""
}

// replaceWord replaces each occurrence of w in s, in any letter case (kong
// lower-cases some values it quotes), that stands as a word of its own:
// between the start or end of s, white space, quotes, "=" and the
// punctuation kong puts after a word.
func replaceWord(s, w, repl string) string {
	bound := func(b byte) bool { return strings.IndexByte(" \t\n\"'`=,:;?()<>[]", b) >= 0 }
	var b strings.Builder
	last := 0
	for i := 0; i+len(w) <= len(s); i++ {
		end := i + len(w)
		if strings.EqualFold(s[i:end], w) && (i == 0 || bound(s[i-1])) && (end == len(s) || bound(s[end])) {
			b.WriteString(s[last:i])
			b.WriteString(repl)
			last, i = end, end-1
		}
	}
	b.WriteString(s[last:])
	return b.String()
}
