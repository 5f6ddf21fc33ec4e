package config

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestSafeConfigGetSet(t *testing.T) {
	a := &Config{Accounts: []Account{{Name: "a"}}}
	b := &Config{Accounts: []Account{{Name: "b"}}}
	sc := NewSafeConfig(a)
	if sc.Get() != a {
		t.Fatal("Get does not return the initial config")
	}
	sc.Set(b)
	if sc.Get() != b {
		t.Fatal("Get does not return the config passed to Set")
	}
	if NewSafeConfig(nil).Get() != nil {
		t.Fatal("empty SafeConfig returns a config")
	}
}

// TestSafeConfigConcurrent is meant for -race: readers always see one whole
// config, never a torn one.
func TestSafeConfigConcurrent(t *testing.T) {
	configs := []*Config{
		{Accounts: []Account{{Name: "a"}}, Scrape: Scrape{Concurrency: 1}},
		{Accounts: []Account{{Name: "b"}}, Scrape: Scrape{Concurrency: 2}},
	}
	sc := NewSafeConfig(configs[0])
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				sc.Set(configs[(w+i)%2])
			}
		}()
	}
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				c := sc.Get()
				if (c.Accounts[0].Name == "a") != (c.Scrape.Concurrency == 1) {
					errs <- "torn config"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestSafeConfigReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(k string) string { return map[string]string{"A": "token-a", "B": "token-b"}[k] }

	write("accounts:\n  - name: first\n    token_env: A\n")
	sc := NewSafeConfig(nil)
	if err := sc.Reload(path, getenv); err != nil {
		t.Fatal(err)
	}
	old := sc.Get()
	if old == nil || old.Accounts[0].Name != "first" || old.Accounts[0].Token.Reveal() != "token-a" {
		t.Fatalf("after first reload: %+v", old)
	}

	for _, bad := range []struct{ name, config string }{
		{"invalid file", "accounts:\n  - name: second\n"},
		{"unknown field", "accounts:\n  - name: second\n    token_env: B\n    extra: 1\n"},
		{"token missing", "accounts:\n  - name: second\n    token_env: UNSET\n"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			write(bad.config)
			if err := sc.Reload(path, getenv); err == nil {
				t.Fatal("Reload of a bad file succeeded")
			}
			if sc.Get() != old {
				t.Fatal("failed reload replaced the config")
			}
		})
	}

	write("accounts:\n  - name: second\n    token_env: B\n")
	if err := sc.Reload(path, getenv); err != nil {
		t.Fatal(err)
	}
	if c := sc.Get(); c.Accounts[0].Name != "second" || c.Accounts[0].Token.Reveal() != "token-b" {
		t.Fatalf("after good reload: %+v", c)
	}
	if old.Accounts[0].Name != "first" {
		t.Fatal("reload modified the previous config")
	}
}
