package config

import (
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
