package hostup

// ValidateBaseURL reports whether NewClient accepts raw as its base URL: an
// absolute http or https URL with a host, without user info, query or
// fragment, and not ending in /api/v2 (the client adds it). Its errors show
// the URL only in its redacted form. It is the rule config applies, so that
// a configuration that validates never fails at NewClient.
func ValidateBaseURL(raw string) error {
	_, err := parseBaseURL(raw)
	return err
}

// ValidateToken reports whether NewClient accepts token as the API key: not
// empty, and without whitespace or control characters. Its errors never
// contain the token.
func ValidateToken(token string) error {
	return checkToken(token)
}
