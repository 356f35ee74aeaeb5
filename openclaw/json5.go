package openclaw

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tailscale/hujson"
)

// standardize turns the JSON5 that OpenClaw's config file may hold into
// standard JSON: comments and trailing commas (through hujson), member
// names without quotes and single-quoted strings. What JSON5 has beyond
// that (hexadecimal numbers, Infinity, NaN, a leading '+') is an error.
// Line numbers in errors are those of the file.
func standardize(b []byte) ([]byte, error) {
	q, err := quoteJSON5(b)
	if err != nil {
		return nil, err
	}
	v, err := hujson.Parse(q)
	if err != nil {
		return nil, syntaxError(err)
	}
	v.Standardize()
	return v.Pack(), nil
}

// syntaxError rewrites hujson's "hujson: line L, column C: ..." as
// "invalid JSON5: line L, column C: ..." (the file keeps its lines).
func syntaxError(err error) error {
	return errors.New("invalid JSON5: " + strings.TrimPrefix(err.Error(), "hujson: "))
}

// quoteJSON5 quotes the bare member names of b and turns its single-quoted
// strings into double-quoted ones, copying everything else (comments
// included) byte for byte, so positions keep their line.
func quoteJSON5(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b) + 64)
	line := 1
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\n':
			line++
			out.WriteByte(c)
			i++
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			end := bytes.IndexByte(b[i:], '\n')
			if end < 0 {
				end = len(b) - i
			}
			out.Write(b[i : i+end])
			i += end
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			end := bytes.Index(b[i+2:], []byte("*/"))
			if end < 0 {
				return nil, fmt.Errorf("invalid JSON5: line %d: unterminated comment", line)
			}
			chunk := b[i : i+2+end+2]
			line += bytes.Count(chunk, []byte{'\n'})
			out.Write(chunk)
			i += len(chunk)
		case c == '"' || c == '\'':
			j := i + 1
			var s bytes.Buffer
			for ; j < len(b) && b[j] != c; j++ {
				switch {
				case b[j] == '\\' && j+1 < len(b):
					if c == '\'' && b[j+1] == '\'' {
						s.WriteByte('\'')
					} else {
						s.Write(b[j : j+2])
					}
					j++
				case b[j] == '\n':
					return nil, fmt.Errorf("invalid JSON5: line %d: unterminated string", line)
				case c == '\'' && b[j] == '"':
					s.WriteString(`\"`)
				default:
					s.WriteByte(b[j])
				}
			}
			if j == len(b) {
				return nil, fmt.Errorf("invalid JSON5: line %d: unterminated string", line)
			}
			out.WriteByte('"')
			out.Write(s.Bytes())
			out.WriteByte('"')
			i = j + 1
		case identStart(c):
			j := i + 1
			for j < len(b) && identPart(b[j]) {
				j++
			}
			word := b[i:j]
			k := j
			for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
				k++
			}
			if k < len(b) && b[k] == ':' {
				out.WriteByte('"')
				out.Write(word)
				out.WriteByte('"')
			} else {
				out.Write(word)
			}
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes(), nil
}

func identStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func identPart(c byte) bool { return identStart(c) || c >= '0' && c <= '9' }
