package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// scraper fetches /metrics the way Prometheus does: it asks for gzip and the
// text format, announces its timeout, and reads and gunzips the whole body.
type scraper struct {
	base    string // http://127.0.0.1:port
	timeout time.Duration
	client  *http.Client
}

func newScraper(base string, timeout time.Duration) *scraper {
	return &scraper{
		base:    base,
		timeout: timeout,
		client: &http.Client{
			// Transparent decompression would hide the compressed size and
			// take Accept-Encoding out of our hands.
			Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 2},
			Timeout:   timeout + 5*time.Second,
		},
	}
}

// scrapeResult is one answer of /metrics.
type scrapeResult struct {
	Wall       time.Duration
	Compressed int // bytes on the wire
	Raw        int // bytes after gunzip
	Body       []byte
}

func (s *scraper) scrape(ctx context.Context) (scrapeResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/metrics", nil)
	if err != nil {
		return scrapeResult{}, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", "hostup-loadtest (Prometheus-like)")
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(s.timeout.Seconds(), 'f', -1, 64))

	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return scrapeResult{}, err
	}
	defer resp.Body.Close()
	wire, err := io.ReadAll(resp.Body)
	wall := time.Since(start)
	if err != nil {
		return scrapeResult{}, fmt.Errorf("reading /metrics: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return scrapeResult{}, fmt.Errorf("/metrics: HTTP %d: %.200s", resp.StatusCode, wire)
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		return scrapeResult{}, fmt.Errorf("/metrics: Content-Encoding %q, want gzip", ce)
	}
	zr, err := gzip.NewReader(bytes.NewReader(wire))
	if err != nil {
		return scrapeResult{}, fmt.Errorf("/metrics: gunzip: %w", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return scrapeResult{}, fmt.Errorf("/metrics: gunzip: %w", err)
	}
	return scrapeResult{Wall: wall, Compressed: len(wire), Raw: len(body), Body: body}, nil
}

// get fetches a small page of the exporter (health, its own metrics).
func (s *scraper) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
	}
	return b, err
}

// sampleValue returns the value of the first sample of an unlabelled metric
// in a text exposition.
func sampleValue(text []byte, name string) (float64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// labelledValue returns the value of the sample written exactly as series
// (name and labels) in a text exposition.
func labelledValue(text []byte, series string) (float64, bool) {
	i := bytes.Index(text, []byte("\n"+series+" "))
	if i < 0 {
		return 0, false
	}
	rest := text[i+len(series)+2:]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	f, err := strconv.ParseFloat(string(rest), 64)
	return f, err == nil
}

// checkBody verifies that a scrape saw the whole account: hostup_up 1, every
// endpoint succeeded, and one successful network read per VPS expected.
func checkBody(body []byte, account string, wantVPS int) error {
	for _, want := range []string{
		`hostup_up{account="` + account + `"} 1`,
		`hostup_scrape_success{account="` + account + `",endpoint="routed_ipv6"} 1`,
		`hostup_scrape_success{account="` + account + `",endpoint="vps_list"} 1`,
		`hostup_scrape_success{account="` + account + `",endpoint="vps_network"} 1`,
	} {
		if !bytes.Contains(body, []byte(want+"\n")) {
			return fmt.Errorf("/metrics lacks %s", want)
		}
	}
	ok := bytes.Count(body, []byte("\nhostup_vps_network_scrape_success{"))
	failed := bytes.Count(body, []byte("\"} 0\n")) // cheap upper bound, refined below
	if ok != wantVPS {
		return fmt.Errorf("/metrics has %d hostup_vps_network_scrape_success series, want %d", ok, wantVPS)
	}
	if failed > 0 {
		for _, line := range bytes.Split(body, []byte("\n")) {
			if bytes.HasPrefix(line, []byte("hostup_vps_network_scrape_success{")) && bytes.HasSuffix(line, []byte(" 0")) {
				return fmt.Errorf("a VPS network read failed: %s", line)
			}
		}
	}
	return nil
}
