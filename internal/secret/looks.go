package secret

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// What looks like a secret. Replies that repeat what a user typed (a chat
// command's unknown profile, a parse error quoting a token) must not show a
// credential pasted there by mistake, such as "/model sonnet@sk-ant-api03-…".
// The rule lives here, once, and every such reply uses Looks or MaskText.
//
// A word looks like a secret when
//
//   - it starts with a credential prefix of the providers bot knows, with
//     more after it: "sk-" (Anthropic "sk-ant-…", OpenAI "sk-proj-…",
//     OpenRouter "sk-or-…") or "sk_";
//   - or one of its parts, split at "-", "_", ".", ":", "/", "+", "=" and
//     "~", is at least minRandomPart characters long and mixes letters and
//     digits: the random body of a key or token (a Telegram bot token's
//     part after ":", a JWT, a hex or base64 key).
//
// Model ids ("claude-sonnet-4-5-20250929", "moonshotai/kimi-k2"), profile
// ids ("anthropic:work") and paths are made of short parts and pass as they
// are.

// secretPrefixes start the credentials of the providers bot knows.
var secretPrefixes = []string{"sk-", "sk_"}

// minRandomPart is the shortest part of a word that counts as random
// credential material when it mixes letters and digits.
const minRandomPart = 16

// Looks reports whether word (one word, no spaces) looks like a secret, by
// the rule above.
func Looks(word string) bool {
	for _, p := range secretPrefixes {
		if len(word) > len(p)+2 && strings.EqualFold(word[:len(p)], p) {
			return true
		}
	}
	// One pass over the parts: n runes so far in this part, and whether
	// they hold a letter and a digit.
	n, letter, digit := 0, false, false
	for _, r := range word {
		if isPartSep(r) {
			n, letter, digit = 0, false, false
			continue
		}
		n++
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
		if n >= minRandomPart && letter && digit {
			return true
		}
	}
	return false
}

// isPartSep separates the parts of a word that Looks examines.
func isPartSep(r rune) bool { return strings.ContainsRune("-_.:/+=~", r) }

// isWordSep separates the words of a text that MaskText examines: white
// space, quotes, brackets, and the punctuation that sits between a word
// and a secret in a command ("@" of model@profile, "=" of key=value).
func isWordSep(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("\"'`@=,;()[]{}<>", r)
}

// MaskText returns text with every word that Looks like a secret replaced
// by its mask (New(word).Mask()). A word's trailing sentence punctuation
// (".", ",", "!", "?", ":") is not part of it. Text without such a word is
// returned unchanged, without allocating.
func MaskText(text string) string {
	var b strings.Builder
	last := 0 // text[:last] is already in b (or needs no copy)
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if isWordSep(r) {
			i += n
			continue
		}
		start := i
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if isWordSep(r) {
				break
			}
			i += n
		}
		word := strings.TrimRight(text[start:i], ".,!?:")
		if !Looks(word) {
			continue
		}
		b.WriteString(text[last:start])
		b.WriteString(New(word).Mask())
		last = start + len(word)
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}
