package hostup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// bodyKind is what a response body turned out to be, for the errors that say
// so: an error must name what came (an HTML page, nothing, half a document)
// rather than what was expected.
type bodyKind uint8

const (
	bodyObject    bodyKind = iota // a JSON object
	bodyEmpty                     // nothing but whitespace
	bodyHTML                      // a page (text/html, or starting with '<')
	bodyTruncated                 // JSON that ends early
	bodyNotJSON                   // anything else that does not parse
	bodyNotObject                 // a JSON value that is not an object
)

var utf8BOM = []byte("\xef\xbb\xbf")

// trimBOM drops a UTF-8 byte order mark, which RFC 8259 lets a parser
// ignore and encoding/json refuses.
func trimBOM(body []byte) []byte { return bytes.TrimPrefix(body, utf8BOM) }

// classifyBody says what body is. jsonType is set for bodyNotObject; err is
// the parser's error for bodyNotJSON.
func classifyBody(body []byte, contentType string) (kind bodyKind, jsonType string, err error) {
	t := bytes.TrimSpace(trimBOM(body))
	switch {
	case len(t) == 0:
		return bodyEmpty, "", nil
	case t[0] == '<' || mediaType(contentType) == "text/html":
		return bodyHTML, "", nil
	case json.Valid(t):
		if t[0] == '{' {
			return bodyObject, "", nil
		}
		return bodyNotObject, jsonTypeOf(t[0]), nil
	}
	var raw json.RawMessage
	err = json.Unmarshal(t, &raw)
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset >= int64(len(t)) && strings.IndexByte(`{["-0123456789tfn`, t[0]) >= 0 {
		return bodyTruncated, "", io.ErrUnexpectedEOF
	}
	return bodyNotJSON, "", err
}

// jsonTypeOf names the JSON type of a value by its first byte.
func jsonTypeOf(first byte) string {
	switch first {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// describeBody is the part of an error message after "HTTP <status>" that
// says what the body was: " with an empty body", " with an HTML body
// (Content-Type text/html), not JSON: \"<html>...\"", ...; want names what
// was expected ("an object", "a problem document").
func describeBody(kind bodyKind, jsonType, contentType, excerpt string, size int, err error, want string) string {
	ct := "no Content-Type"
	if mt := mediaType(contentType); mt != "" {
		ct = "Content-Type " + mt
	}
	var b strings.Builder
	switch kind {
	case bodyEmpty:
		b.WriteString(" with an empty body")
	case bodyHTML:
		fmt.Fprintf(&b, " with an HTML body (%s), not JSON", ct)
	case bodyTruncated:
		fmt.Fprintf(&b, " with truncated JSON (the body ends after %d bytes)", size)
	case bodyNotObject:
		article := "a JSON "
		if jsonType == "null" {
			article = "JSON "
		}
		fmt.Fprintf(&b, " with %s%s where %s was expected", article, jsonType, want)
	case bodyNotJSON:
		fmt.Fprintf(&b, " with a body that is not JSON (%s)", ct)
		if err != nil {
			b.WriteString(": ")
			b.WriteString(clip(oneLine(strings.TrimPrefix(err.Error(), "json: ")), fieldRunes))
		}
	default:
		if err != nil {
			b.WriteString(" with JSON that does not decode: ")
			b.WriteString(clip(oneLine(err.Error()), fieldRunes))
		}
	}
	if excerpt != "" && (kind == bodyHTML || kind == bodyNotJSON) {
		fmt.Fprintf(&b, ": %q", excerpt)
	}
	return b.String()
}

// rawExcerpt is the start of a body as one clipped, printable line without
// the token; unlike excerpt it keeps markup, so an HTML page shows as one.
func rawExcerpt(body []byte, token string) string {
	body = trimBOM(body)
	cut := body[:min(len(body), excerptScan)]
	s := redact(strings.ToValidUTF8(string(cut), "\uFFFD"), token)
	if len(cut) < len(body) {
		s = trimPartialToken(s, token)
	}
	return clip(redact(oneLine(s), token), excerptRunes)
}

// excerptScan bounds how much of a body an excerpt looks at: far more than
// the excerptRunes shown, even after whitespace is folded.
const excerptScan = 16 << 10

// trimPartialToken drops the end of s when it is the start of token: s was
// cut from a longer text, and the token may go on past the cut.
func trimPartialToken(s, token string) string {
	if len(token) < minRedactLen {
		return s
	}
	for k := min(len(token)-1, len(s)); k > 0; k-- {
		if strings.HasSuffix(s, token[:k]) {
			return s[:len(s)-k]
		}
	}
	return s
}
