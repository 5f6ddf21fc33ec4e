package collector

import "strings"

func splitLines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func hasLabel(line, name, value string) bool {
	return strings.Contains(line, name+`="`+value+`"`)
}

func startsWith(line string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(line, p+"{") || strings.HasPrefix(line, p+" ") {
			return true
		}
	}
	return false
}
