// Package apicheck is hostup_exporter's --api.check: a one-shot check that
// each configured account's API key can make the reads a scrape makes.
//
// For each account it makes one call per read, without retries: routed
// IPv6, the first page of the VPS list, and the network of the first VPS of
// that page whose status a scrape reads. It prints a table (account, read, result, HTTP status, a hint
// at what to do), then each account's VPS count and what one scrape will
// cost in API calls (1 + pages + N). The VPS count is read from the first
// page only, so the check costs at most three calls an account: when the
// list has more pages, the count (and the cost) is "at least".
package apicheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// The reads, by the endpoint names of the API-call metrics.
const (
	readRoutedIPv6 = hostup.EndpointRoutedIPv6
	readVPSList    = hostup.EndpointVPSList
	readVPSNetwork = hostup.EndpointVPSNetwork
)

// Result of one read.
const (
	resultOK      = "ok"
	resultFailed  = "FAILED"
	resultSkipped = "skipped"
)

// row is one line of the table.
type row struct {
	account, read, result string
	status                int // the HTTP status of the call; 0: none
	hint                  string
	err                   error
}

func (r row) failed() bool { return r.result == resultFailed }

// accountCheck is what the check learnt of one account.
type accountCheck struct {
	name string
	rows []row
	// The first page of the list, when it was read.
	page *hostup.VPSPage
	rate hostup.RateLimit
}

// Run checks every account of cfg, writes the report to w and returns the
// exit code: 0 when every read worked, else 1. userAgent is sent with each
// call. The API keys never appear in the report.
func Run(ctx context.Context, cfg *config.Config, w io.Writer, userAgent string) int {
	checks := make([]accountCheck, len(cfg.Accounts))
	for i, a := range cfg.Accounts {
		checks[i] = checkAccount(ctx, a, cfg.Scrape, userAgent)
	}

	var out bytes.Buffer
	failed, total := report(&out, cfg, checks)
	if failed == 0 {
		fmt.Fprintf(&out, "\nevery read worked (%s, %s)\n", plural(total, "read"), plural(len(checks), "account"))
	} else {
		fmt.Fprintf(&out, "\n%d of %d reads did not work\n", failed, total)
	}
	// No message above is made from a key; this makes sure of it.
	text := out.String()
	for _, a := range cfg.Accounts {
		if tok := a.Token.Reveal(); len(tok) >= 8 {
			text = strings.ReplaceAll(text, tok, "<secret>")
		}
	}
	_, _ = io.WriteString(w, text)
	if failed > 0 {
		return 1
	}
	return 0
}

func checkAccount(ctx context.Context, a config.Account, sc config.Scrape, userAgent string) accountCheck {
	ac := accountCheck{name: a.Name}
	var mu sync.Mutex
	status := map[string]int{}
	client, err := hostup.NewClient(a.APIURL, a.Token.Reveal(),
		hostup.WithUserAgent(userAgent),
		// One call per read: a retry would hide what the first answer was.
		hostup.WithRetries(0),
		hostup.WithObserver(func(c hostup.Call) {
			mu.Lock()
			defer mu.Unlock()
			status[c.Endpoint] = c.StatusCode
			if c.RateLimit.HasRemaining || c.RateLimit.HasLimit {
				ac.rate = c.RateLimit
			}
		}))
	if err != nil {
		ac.rows = append(ac.rows, row{account: a.Name, read: "client", result: resultFailed, hint: "invalid api_url or token", err: err})
		return ac
	}
	call := func(read string, fn func(ctx context.Context) error) row {
		rctx, cancel := context.WithTimeout(ctx, sc.Timeout)
		defer cancel()
		err := fn(rctx)
		mu.Lock()
		st := status[read]
		delete(status, read)
		mu.Unlock()
		r := row{account: a.Name, read: read, result: resultOK, status: st, err: err}
		if err != nil {
			r.result, r.hint = classify(err, read, sc.Timeout)
		}
		return r
	}

	routed := call(readRoutedIPv6, func(ctx context.Context) error {
		_, err := client.RoutedIPv6(ctx)
		return err
	})
	list := call(readVPSList, func(ctx context.Context) (err error) {
		ac.page, err = client.ListVPSPage(ctx, "")
		return err
	})
	if list.err == nil {
		list.hint = listHint(ac.page)
	}
	var network row
	switch {
	case list.err != nil:
		network = row{account: a.Name, read: readVPSNetwork, result: resultSkipped, hint: "no VPS to read: the list read did not work"}
	case len(ac.page.Data) == 0:
		network = row{account: a.Name, read: readVPSNetwork, result: resultSkipped, hint: "the account has no VPS to read (read:vm is proven by the list)"}
	default:
		v := firstWanted(ac.page.Data, a.VPS.ServiceStatus)
		network = call(readVPSNetwork, func(ctx context.Context) error {
			_, err := client.VPSNetwork(ctx, v.ID)
			return err
		})
		if network.err == nil {
			network.hint = fmt.Sprintf("VPS %s (%s)", v.Name, v.ID)
		}
	}
	// A 403 on routed IPv6 alone, with the VPS reads working, says which
	// scope is missing: the endpoint needs read:network besides read:vm.
	if routed.status == http.StatusForbidden {
		if list.err == nil {
			routed.hint = "missing scope read:network (routed IPv6 needs read:network and read:vm; read:vm works)"
		} else if list.status == http.StatusForbidden {
			routed.hint = "missing scope read:vm, perhaps read:network too (routed IPv6 needs both)"
		}
	}
	ac.rows = append(ac.rows, routed, list, network)
	return ac
}

// classify says what a failed read means and what to do about it.
func classify(err error, read string, timeout time.Duration) (result, hint string) {
	var apiErr *hostup.APIError
	var decodeErr *hostup.DecodeError
	switch {
	case errors.Is(err, hostup.ErrRateLimited):
		// The client refused the call: an earlier 429 said to wait.
		return resultSkipped, "not sent: rate-limited by an earlier answer (Retry-After)"
	case errors.As(err, &apiErr):
		return resultFailed, apiHint(apiErr, read)
	case errors.As(err, &decodeErr):
		return resultFailed, "the answer is not the API's documented JSON: is api_url the HostUp API (no proxy in between)?"
	case errors.Is(err, context.DeadlineExceeded):
		return resultFailed, fmt.Sprintf("unreachable: no answer within %s (scrape.timeout)", timeout)
	case errors.Is(err, context.Canceled):
		return resultFailed, "interrupted"
	default:
		return resultFailed, "unreachable: check api_url, DNS, proxy and firewall"
	}
}

func apiHint(e *hostup.APIError, read string) string {
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		return "key rejected: check the token (token_file, token_env or $HOSTUP_API_TOKEN)"
	case e.StatusCode == http.StatusForbidden && read == readRoutedIPv6:
		return "missing scope read:network or read:vm (routed IPv6 needs both)"
	case e.StatusCode == http.StatusForbidden && read == readVPSNetwork:
		return "missing scope read:vm, or the key does not own this VPS"
	case e.StatusCode == http.StatusForbidden:
		return "missing scope read:vm"
	case e.StatusCode == http.StatusTooManyRequests && e.RetryAfter > 0:
		return fmt.Sprintf("rate-limited: no calls for %s", e.RetryAfter.Round(time.Second))
	case e.StatusCode == http.StatusTooManyRequests:
		return "rate-limited: the API did not say for how long"
	case e.StatusCode == http.StatusConflict && read == readVPSNetwork:
		return "the VPS is not ready (provisioning?): not a key problem, run the check again later"
	case e.StatusCode == http.StatusNotFound && read == readVPSNetwork:
		return "the VPS was not found (deleted since the list?): run the check again"
	case e.BodyNotJSON:
		return "not the HostUp API's answer (a body that is not JSON): check api_url and any proxy"
	case e.StatusCode == http.StatusNotFound:
		return "not found: is api_url the HostUp API (without /api/v2)?"
	case e.StatusCode >= 500:
		return "HostUp's side failed: try again later"
	default:
		return "unexpected answer"
	}
}

// firstWanted is the first VPS whose status a scrape reads (the config's
// vps.service_status), so the network read is one a scrape makes; else the
// first VPS listed.
func firstWanted(vpses []hostup.VPS, statuses []string) hostup.VPS {
	for _, v := range vpses {
		if slices.Contains(statuses, v.ServiceStatus) {
			return v
		}
	}
	return vpses[0]
}

func listHint(p *hostup.VPSPage) string {
	if more(p) {
		return plural(len(p.Data), "VPS") + " on the first page, more pages follow"
	}
	return plural(len(p.Data), "VPS") + ", the whole list"
}

// more reports whether the list has pages after p, as the client's ListVPS
// decides it.
func more(p *hostup.VPSPage) bool {
	if p.NextCursor == nil || *p.NextCursor == "" {
		return false
	}
	return p.HasMore == nil || *p.HasMore
}

// report writes the table, the errors and each account's count and cost;
// it returns how many reads failed, of how many.
func report(w io.Writer, cfg *config.Config, checks []accountCheck) (failed, total int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tREAD\tRESULT\tHTTP\tHINT")
	var errs []row
	for _, ac := range checks {
		for _, r := range ac.rows {
			total++
			if r.failed() {
				failed++
			}
			if r.err != nil {
				errs = append(errs, r)
			}
			st := "-"
			if r.status != 0 {
				st = fmt.Sprint(r.status)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.account, r.read, r.result, st, r.hint)
		}
	}
	_ = tw.Flush()

	if len(errs) > 0 {
		fmt.Fprintln(w, "\nerrors:")
		for _, r := range errs {
			fmt.Fprintf(w, "  %s %s: %v\n", r.account, r.read, r.err)
		}
	}
	fmt.Fprintln(w)
	for i, ac := range checks {
		fmt.Fprintf(w, "%s: %s\n", ac.name, cost(cfg.Accounts[i], cfg.Scrape, ac.page))
		if rl := ac.rate; rl.HasRemaining {
			if rl.HasLimit {
				fmt.Fprintf(w, "%s: rate limit: %d of %d calls left\n", ac.name, rl.Remaining, rl.Limit)
			} else {
				fmt.Fprintf(w, "%s: rate limit: %d calls left\n", ac.name, rl.Remaining)
			}
		}
	}
	return failed, total
}

// cost is the account's VPS count and the API calls of one scrape that
// reads the API: 1 (routed IPv6) + list pages + N network reads (the listed
// VPSes whose status is in vps.service_status, plus vps.ids).
func cost(a config.Account, sc config.Scrape, page *hostup.VPSPage) string {
	statuses := map[string]bool{}
	for _, s := range a.VPS.ServiceStatus {
		statuses[s] = true
	}
	var b strings.Builder
	if !a.VPS.DiscoverEnabled() {
		n := len(a.VPS.IDs)
		fmt.Fprintf(&b, "vps.discover is false: a scrape costs 1 + 0 + %d = %d API calls (routed IPv6, no list, a network read for each of vps.ids)", n, 1+n)
	} else if page == nil {
		return "VPS count unknown (the list read did not work); a scrape costs 1 + pages + N API calls"
	} else {
		read := map[string]bool{}
		for _, v := range page.Data {
			if statuses[v.ServiceStatus] {
				read[v.ID] = true
			}
		}
		for _, id := range a.VPS.IDs {
			read[id] = true
		}
		n := len(read)
		sel := "status " + strings.Join(a.VPS.ServiceStatus, ", ")
		if len(a.VPS.IDs) > 0 {
			sel += ", plus vps.ids"
		}
		if more(page) {
			fmt.Fprintf(&b, "at least %s (only the first page was read; the list has more). A scrape costs at least 1 + 2 + %d = %d API calls (routed IPv6, list pages, a network read for each VPS of %s)",
				plural(len(page.Data), "VPS"), n, 3+n, sel)
		} else {
			fmt.Fprintf(&b, "%s. A scrape costs 1 + 1 + %d = %d API calls (routed IPv6, one list page, a network read for each VPS of %s)",
				plural(len(page.Data), "VPS"), n, 2+n, sel)
		}
	}
	if sc.CacheTTL > 0 {
		fmt.Fprintf(&b, "; with cache_ttl %s, at most once per %s", sc.CacheTTL, sc.CacheTTL)
	}
	return b.String()
}

func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "S"):
		return fmt.Sprintf("%d %ses", n, noun)
	default:
		return fmt.Sprintf("%d %ss", n, noun)
	}
}
