package fakes

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// TelegramEntity is a MessageEntity of the Bot API: a span of a message's
// text, in UTF-16 code units, with its formatting or meaning.
type TelegramEntity struct {
	// Type is the entity type: "bot_command", "mention", "bold",
	// "italic", "underline", "strikethrough", "spoiler", "code", "pre",
	// "text_link", "blockquote", "expandable_blockquote", "custom_emoji".
	Type string `json:"type"`
	// Offset and Length are in UTF-16 code units, as Telegram counts.
	Offset int `json:"offset"`
	Length int `json:"length"`
	// URL is the target of a text_link.
	URL string `json:"url,omitempty"`
	// Language is the language of a pre block ("" when none).
	Language string `json:"language,omitempty"`
	// CustomEmojiID is the id of a custom_emoji.
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// UTF16Len returns the length of s in UTF-16 code units, the unit of
// Telegram's text limits and entity offsets.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2 // a surrogate pair
		} else {
			n++ // invalid bytes decode to U+FFFD, one unit
		}
	}
	return n
}

// htmlTags are the start tags Telegram's HTML parse mode accepts (tdlib
// parse_html); anything else is "Unsupported start tag".
var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true,
	"del": true, "u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "span": true,
	"pre": true, "code": true, "blockquote": true,
}

// htmlEntityTypes maps a tag to the entity type it produces.
var htmlEntityTypes = map[string]string{
	"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
	"ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"tg-spoiler": "spoiler", "span": "spoiler", "code": "code", "pre": "pre",
	"a": "text_link", "tg-emoji": "custom_emoji", "blockquote": "blockquote",
}

// ParseTelegramHTML parses text in Telegram's HTML parse mode the way the
// Bot API does (it follows tdlib's parse_html): it returns the plain text
// and its entities, or the description of the error Telegram answers
// after "Bad Request: can't parse entities: ", such as
// `Unsupported start tag "div" at byte offset 0`. Only the named entities
// &lt; &gt; &amp; &quot; and numeric references are decoded; any other
// '&' stays as it is.
func ParseTelegramHTML(text string) (string, []TelegramEntity, error) {
	if !utf8.ValidString(text) {
		return "", nil, fmt.Errorf("Text must be encoded in UTF-8")
	}
	type open struct {
		tag, arg   string
		expandable bool
		offset     int // UTF-16 offset in the result
	}
	var (
		out      strings.Builder
		u16      int
		stack    []open
		entities []TelegramEntity
	)
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	isAlnum := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c == '&' {
			if r, next := decodeHTMLEntity(text, i); r != 0 {
				out.WriteRune(r)
				u16 += utf16.RuneLen(r)
				i = next
				continue
			}
		}
		if c != '<' {
			r, size := utf8.DecodeRuneInString(text[i:])
			out.WriteString(text[i : i+size])
			u16 += utf16.RuneLen(r)
			i += size
			continue
		}
		begin := i
		i++
		if at(i) != '/' {
			for i < len(text) && !isSpace(text[i]) && text[i] != '>' {
				i++
			}
			if i >= len(text) {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(text[begin+1 : i])
			if !htmlTags[tag] {
				return "", nil, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", tag, begin)
			}
			var arg string
			expandable := false
			for at(i) != '>' {
				for i < len(text) && isSpace(text[i]) {
					i++
				}
				if at(i) == '>' {
					break
				}
				if i >= len(text) {
					return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
				}
				nameBegin := i
				for i < len(text) && !isSpace(text[i]) && text[i] != '=' && text[i] != '>' {
					i++
				}
				name := strings.ToLower(text[nameBegin:i])
				if name == "" {
					return "", nil, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", tag, begin)
				}
				for i < len(text) && isSpace(text[i]) {
					i++
				}
				if at(i) != '=' {
					if tag == "blockquote" && name == "expandable" {
						expandable = true
						continue
					}
					return "", nil, fmt.Errorf("Expected equal sign in declaration of an attribute of the tag \"%s\" at byte offset %d", tag, begin)
				}
				i++
				for i < len(text) && isSpace(text[i]) {
					i++
				}
				if i >= len(text) {
					return "", nil, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", tag, begin)
				}
				var value string
				if q := text[i]; q != '\'' && q != '"' {
					tokBegin := i
					for i < len(text) && (isAlnum(text[i]) || text[i] == '.' || text[i] == '-') {
						i++
					}
					value = strings.ToLower(text[tokBegin:i])
					if c := at(i); !isSpace(c) && c != '>' {
						return "", nil, fmt.Errorf("Unexpected end of name token at byte offset %d", tokBegin)
					}
				} else {
					i++
					var v strings.Builder
					for i < len(text) && text[i] != q {
						if text[i] == '&' {
							if r, next := decodeHTMLEntity(text, i); r != 0 {
								v.WriteRune(r)
								i = next
								continue
							}
						}
						v.WriteByte(text[i])
						i++
					}
					if i >= len(text) {
						return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
					}
					i++
					value = v.String()
				}
				switch {
				case tag == "a" && name == "href":
					arg = value
				case tag == "code" && name == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && name == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "tg-emoji" && name == "emoji-id":
					arg = value
				case tag == "blockquote" && name == "expandable":
					expandable = true
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, open{tag: tag, arg: arg, expandable: expandable, offset: u16})
			i++ // '>'
			continue
		}
		// An end tag.
		if len(stack) == 0 {
			return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
		}
		i++ // '/'
		nameBegin := i
		for i < len(text) && !isSpace(text[i]) && text[i] != '>' {
			i++
		}
		name := strings.ToLower(text[nameBegin:i])
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		if at(i) != '>' {
			return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
		}
		i++
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if name != "" && name != top.tag {
			return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, name)
		}
		length := u16 - top.offset
		if length == 0 {
			continue
		}
		e := TelegramEntity{Type: htmlEntityTypes[top.tag], Offset: top.offset, Length: length}
		switch top.tag {
		case "a":
			if top.arg == "" {
				continue // a link without a target is plain text
			}
			e.URL = top.arg
		case "tg-emoji":
			e.CustomEmojiID = top.arg
		case "blockquote":
			if top.expandable {
				e.Type = "expandable_blockquote"
			}
		case "code":
			e.Language = top.arg // kept only when a pre takes it below
		case "pre":
			// <pre><code class="language-x">…</code></pre> is one pre block
			// with a language.
			if n := len(entities); n > 0 {
				last := entities[n-1]
				if last.Type == "code" && last.Offset == e.Offset && last.Length == e.Length {
					e.Language = last.Language
					entities = entities[:n-1]
				}
			}
		}
		entities = append(entities, e)
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].tag)
	}
	for k := range entities {
		if entities[k].Type == "code" {
			entities[k].Language = ""
		}
	}
	return out.String(), entities, nil
}

// decodeHTMLEntity decodes the character reference at text[i] ('&') the
// way tdlib does: &lt; &gt; &amp; &quot; and numeric references, the ';'
// optional. It returns 0 when there is none, else the rune and the index
// after the reference.
func decodeHTMLEntity(text string, i int) (rune, int) {
	at := func(k int) byte {
		if k < len(text) {
			return text[k]
		}
		return 0
	}
	end := i + 1
	var r rune
	if at(i+1) == '#' {
		end++
		if at(i+2) == 'x' {
			end++
			for {
				c := at(end)
				var d rune
				switch {
				case c >= '0' && c <= '9':
					d = rune(c - '0')
				case c >= 'a' && c <= 'f':
					d = rune(c-'a') + 10
				case c >= 'A' && c <= 'F':
					d = rune(c-'A') + 10
				default:
					d = -1
				}
				if d < 0 {
					break
				}
				r = r*16 + d
				end++
				if r > 0x10ffff {
					return 0, i
				}
			}
		} else {
			for c := at(end); c >= '0' && c <= '9'; c = at(end) {
				r = r*10 + rune(c-'0')
				end++
				if r > 0x10ffff {
					return 0, i
				}
			}
		}
		if r == 0 || r >= 0x10ffff || end-i >= 10 {
			return 0, i
		}
	} else {
		for c := at(end); c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'; c = at(end) {
			end++
		}
		switch text[i+1 : end] {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		default:
			return 0, i
		}
	}
	if at(end) == ';' {
		end++
	}
	return r, end
}

// userEntities returns the entities Telegram marks in text a user typed:
// bot commands ("/cmd" or "/cmd@bot" at the start of a word) and mentions
// ("@username", 5–32 characters), with UTF-16 offsets.
func userEntities(text string) []TelegramEntity {
	var out []TelegramEntity
	isWord := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '/' && c != '@' {
			continue
		}
		if i > 0 && (isWord(text[i-1]) || text[i-1] == '/' || text[i-1] == '@') {
			continue
		}
		j := i + 1
		for j < len(text) && isWord(text[j]) {
			j++
		}
		n := j - i - 1
		typ := "mention"
		if c == '/' {
			typ = "bot_command"
			if n < 1 || n > 32 {
				continue
			}
			if j < len(text) && text[j] == '@' {
				k := j + 1
				for k < len(text) && isWord(text[k]) {
					k++
				}
				if k-j-1 >= 5 {
					j = k
				}
			}
		} else if n < 5 || n > 32 {
			continue
		}
		out = append(out, TelegramEntity{Type: typ, Offset: UTF16Len(text[:i]), Length: UTF16Len(text[i:j])})
		i = j - 1
	}
	return out
}

// mdv2Reserved are the characters MarkdownV2 requires escaped outside
// code.
const mdv2Reserved = "_*[]()~`>#+-=|{}.!"

// ParseTelegramMarkdownV2 parses text in Telegram's MarkdownV2 parse mode
// (bold, italic, underline, strikethrough, spoiler, inline code, pre
// blocks, inline links) and returns the plain text and entities, or the
// description Telegram gives after "can't parse entities: ", such as
// "Character '.' is reserved and must be escaped with the preceding '\'".
// Lines starting with '>' are a block quote; expandable quotes and custom
// emoji are not modelled.
func ParseTelegramMarkdownV2(text string) (string, []TelegramEntity, error) {
	if !utf8.ValidString(text) {
		return "", nil, fmt.Errorf("Text must be encoded in UTF-8")
	}
	type open struct {
		typ    string
		marker string
		begin  int // byte offset of the marker
		offset int // UTF-16 offset in the result
	}
	names := map[string]string{"bold": "Bold", "italic": "Italic", "underline": "Underline",
		"strikethrough": "Strikethrough", "spoiler": "Spoiler", "text_link": "TextUrl"}
	var (
		out      strings.Builder
		u16      int
		stack    []open
		entities []TelegramEntity
	)
	emit := func(s string) {
		out.WriteString(s)
		u16 += UTF16Len(s)
	}
	quote := -1 // UTF-16 offset where an open block quote began
	closeQuote := func(end int) {
		if quote >= 0 && end > quote {
			entities = append(entities, TelegramEntity{Type: "blockquote", Offset: quote, Length: end - quote})
		}
		quote = -1
	}
	for i := 0; i < len(text); {
		c := text[i]
		if i == 0 || text[i-1] == '\n' {
			// Lines starting with '>' form a block quote.
			if c == '>' {
				if quote < 0 {
					quote = u16
				}
				i++
				continue
			}
			if quote >= 0 {
				closeQuote(u16 - 1) // without the line break before
			}
		}
		if c == '\\' && i+1 < len(text) && text[i+1] > 0 && text[i+1] <= 126 {
			emit(text[i+1 : i+2])
			i += 2
			continue
		}
		if !strings.ContainsRune(mdv2Reserved, rune(c)) {
			r, size := utf8.DecodeRuneInString(text[i:])
			_ = r
			emit(text[i : i+size])
			i += size
			continue
		}
		switch c {
		case '`':
			pre := strings.HasPrefix(text[i:], "```")
			marker := "`"
			if pre {
				marker = "```"
			}
			j := i + len(marker)
			lang := ""
			if pre {
				nl := strings.IndexByte(text[j:], '\n')
				if nl >= 0 && !strings.ContainsAny(text[j:j+nl], " `") {
					lang, j = text[j:j+nl], j+nl+1
				}
			}
			start := u16
			closed := false
			for j < len(text) {
				if text[j] == '\\' && j+1 < len(text) && (text[j+1] == '`' || text[j+1] == '\\') {
					emit(text[j+1 : j+2])
					j += 2
					continue
				}
				if strings.HasPrefix(text[j:], marker) {
					closed = true
					break
				}
				_, size := utf8.DecodeRuneInString(text[j:])
				emit(text[j : j+size])
				j += size
			}
			if !closed {
				name := "Code"
				if pre {
					name = "Pre"
				}
				return "", nil, fmt.Errorf("Can't find end of %s entity at byte offset %d", name, i)
			}
			if u16 > start {
				e := TelegramEntity{Type: "code", Offset: start, Length: u16 - start}
				if pre {
					e.Type, e.Language = "pre", lang
				}
				entities = append(entities, e)
			}
			i = j + len(marker)
			continue
		case '[':
			stack = append(stack, open{typ: "text_link", marker: "[", begin: i, offset: u16})
			i++
			continue
		case ']':
			n := len(stack)
			if n == 0 || stack[n-1].typ != "text_link" {
				return "", nil, fmt.Errorf("Character ']' is reserved and must be escaped with the preceding '\\'")
			}
			top := stack[n-1]
			stack = stack[:n-1]
			if i+1 >= len(text) || text[i+1] != '(' {
				return "", nil, fmt.Errorf("Can't find end of TextUrl entity at byte offset %d", top.begin)
			}
			end := -1
			for k := i + 2; k < len(text); k++ {
				if text[k] == '\\' {
					k++
					continue
				}
				if text[k] == ')' {
					end = k - (i + 2)
					break
				}
			}
			if end < 0 {
				return "", nil, fmt.Errorf("Can't find end of a URL at byte offset %d", i+2)
			}
			link := strings.NewReplacer(`\)`, ")", `\\`, `\`).Replace(text[i+2 : i+2+end])
			if u16 > top.offset && link != "" {
				entities = append(entities, TelegramEntity{Type: "text_link", Offset: top.offset, Length: u16 - top.offset, URL: link})
			}
			i = i + 2 + end + 1
			continue
		}
		var typ, marker string
		switch {
		case strings.HasPrefix(text[i:], "__"):
			typ, marker = "underline", "__"
		case strings.HasPrefix(text[i:], "||"):
			typ, marker = "spoiler", "||"
		case c == '_':
			typ, marker = "italic", "_"
		case c == '*':
			typ, marker = "bold", "*"
		case c == '~':
			typ, marker = "strikethrough", "~"
		default:
			return "", nil, fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
		}
		if n := len(stack); n > 0 && stack[n-1].marker == marker {
			top := stack[n-1]
			stack = stack[:n-1]
			if u16 > top.offset {
				entities = append(entities, TelegramEntity{Type: typ, Offset: top.offset, Length: u16 - top.offset})
			}
		} else {
			stack = append(stack, open{typ: typ, marker: marker, begin: i, offset: u16})
		}
		i += len(marker)
	}
	if n := len(stack); n > 0 {
		return "", nil, fmt.Errorf("Can't find end of %s entity at byte offset %d", names[stack[n-1].typ], stack[n-1].begin)
	}
	closeQuote(u16)
	return out.String(), entities, nil
}

// ParseTelegramMarkdown parses text in Telegram's legacy Markdown parse
// mode (*bold*, _italic_, `code`, ```pre```, [text](url); nothing
// nests, '\' escapes a marker) and returns the plain text and entities,
// or the description Telegram gives after "can't parse entities: ", such
// as "Can't find end of the entity starting at byte offset 3".
func ParseTelegramMarkdown(text string) (string, []TelegramEntity, error) {
	if !utf8.ValidString(text) {
		return "", nil, fmt.Errorf("Text must be encoded in UTF-8")
	}
	var (
		out      strings.Builder
		u16      int
		entities []TelegramEntity
	)
	emit := func(s string) {
		out.WriteString(s)
		u16 += UTF16Len(s)
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c == '\\' && i+1 < len(text) && strings.IndexByte("_*`[", text[i+1]) >= 0 {
			emit(text[i+1 : i+2])
			i += 2
			continue
		}
		if strings.IndexByte("_*`[", c) < 0 {
			_, size := utf8.DecodeRuneInString(text[i:])
			emit(text[i : i+size])
			i += size
			continue
		}
		begin := i
		var end, typ, lang string
		switch {
		case strings.HasPrefix(text[i:], "```"):
			end, typ = "```", "pre"
			i += 3
			if nl := strings.IndexByte(text[i:], '\n'); nl > 0 && !strings.ContainsAny(text[i:i+nl], " `") {
				lang, i = text[i:i+nl], i+nl+1
			}
		case c == '`':
			end, typ, i = "`", "code", i+1
		case c == '*':
			end, typ, i = "*", "bold", i+1
		case c == '_':
			end, typ, i = "_", "italic", i+1
		case c == '[':
			end, typ, i = "]", "text_link", i+1
		}
		k := strings.Index(text[i:], end)
		if k < 0 {
			return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		start := u16
		emit(text[i : i+k])
		i += k + len(end)
		e := TelegramEntity{Type: typ, Offset: start, Length: u16 - start, Language: lang}
		if typ == "text_link" {
			if i >= len(text) || text[i] != '(' {
				// Not a link: the brackets were text.
				return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
			}
			rp := strings.IndexByte(text[i:], ')')
			if rp < 0 {
				return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
			}
			e.URL, i = text[i+1:i+rp], i+rp+1
		}
		if e.Length > 0 {
			entities = append(entities, e)
		}
	}
	return out.String(), entities, nil
}

// utf16Slice returns the part of s at UTF-16 offset and length.
func utf16Slice(s string, offset, length int) string {
	u := utf16.Encode([]rune(s))
	if offset < 0 || length < 0 || offset+length > len(u) {
		return ""
	}
	return string(utf16.Decode(u[offset : offset+length]))
}

// trimText strips the white space at both ends of a message's text, as
// Telegram does (so an edit that only adds trailing new lines is "not
// modified"), except where a code or pre entity covers it; entities are
// shifted and clipped to match.
func trimText(text string, ents []TelegramEntity) (string, []TelegramEntity) {
	u := utf16.Encode([]rune(text))
	covered := func(i int) bool {
		for _, e := range ents {
			if (e.Type == "pre" || e.Type == "code") && i >= e.Offset && i < e.Offset+e.Length {
				return true
			}
		}
		return false
	}
	isSpace := func(c uint16) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	start, end := 0, len(u)
	for start < end && isSpace(u[start]) && !covered(start) {
		start++
	}
	for end > start && isSpace(u[end-1]) && !covered(end-1) {
		end--
	}
	if start == 0 && end == len(u) {
		return text, ents
	}
	var out []TelegramEntity
	for _, e := range ents {
		from, to := max(e.Offset, start), min(e.Offset+e.Length, end)
		if to > from {
			e.Offset, e.Length = from-start, to-from
			out = append(out, e)
		}
	}
	return string(utf16.Decode(u[start:end])), out
}
