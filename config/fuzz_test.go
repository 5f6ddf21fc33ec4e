package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse: no input makes Parse panic; a config Parse accepts validates
// again, and marshals to YAML that parses back to the same config. The seed
// corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config with error %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config fails validation: %v\ninput:\n%s", err, data)
		}
		for i, a := range c.Accounts {
			if a.Token != "" {
				t.Fatalf("accounts[%d]: Parse resolved a token", i)
			}
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("marshalling parsed config: %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("marshalled config does not parse: %v\ninput:\n%s\nmarshalled:\n%s", err, data, out)
		}
		if !reflect.DeepEqual(normalize(back), normalize(c)) {
			t.Fatalf("round trip changed the config\ninput:\n%s\nmarshalled:\n%s\n got %+v\nwant %+v", data, out, back, c)
		}
	})
}

// TestFuzzSeedCorpus keeps the committed seeds meaningful: files named
// valid_* parse, files named invalid_* do not.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var valid, invalid int
	for _, e := range entries {
		name := e.Name()
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		header, lit, _ := strings.Cut(string(raw), "\n")
		lit = strings.TrimSpace(lit)
		if header != "go test fuzz v1" || !strings.HasPrefix(lit, "[]byte(") || !strings.HasSuffix(lit, ")") {
			t.Fatalf("%s: not a go fuzz v1 []byte corpus file", name)
		}
		data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = Parse([]byte(data))
		switch {
		case strings.HasPrefix(name, "valid_"):
			valid++
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case strings.HasPrefix(name, "invalid_"):
			invalid++
			if err == nil {
				t.Errorf("%s: parsed without error", name)
			}
		}
	}
	if valid == 0 || invalid == 0 {
		t.Errorf("seed corpus has %d valid and %d invalid configs, want some of each", valid, invalid)
	}
}
