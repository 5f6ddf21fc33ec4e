package hostup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

var (
	// ErrRepeatedCursor means the VPS list handed back a cursor it had
	// already given, which would loop forever.
	ErrRepeatedCursor = errors.New("the VPS list repeated a cursor")
	// ErrTooManyPages means the VPS list had more pages than the page cap
	// (WithMaxPages).
	ErrTooManyPages = errors.New("the VPS list has more pages than the page cap")
)

// ListVPSPage reads one page of GET /api/v2/vps; cursor is empty for the
// first page, else the previous page's nextCursor.
func (c *Client) ListVPSPage(ctx context.Context, cursor string) (*VPSPage, error) {
	pathQuery := "/api/v2/vps?limit=" + strconv.Itoa(c.pageSize)
	if cursor != "" {
		pathQuery += "&cursor=" + url.QueryEscape(cursor)
	}
	r, err := c.get(ctx, EndpointVPSList, pathQuery)
	if err != nil {
		return nil, err
	}
	defer releaseBody(r.body)
	v, err := decodeVPSPage(r.body.Bytes(), c.pageSize)
	return v, c.decodeFailure(err, r)
}

// ListVPS reads every page of the VPS list in order and hands each to fn as
// soon as it arrives, so the caller can start on a page's VPSes while the next
// one loads. It stops at the first error, fn's included, which it returns as
// is.
//
// The list's pagination envelope is not documented for this endpoint; like
// HostUp's other v2 lists it is taken to be `hasMore` and `nextCursor` beside
// `data`. The list ends when nextCursor is null or empty or hasMore is false.
// A cursor seen before gives ErrRepeatedCursor, more than the page cap
// ErrTooManyPages.
func (c *Client) ListVPS(ctx context.Context, fn func(page []VPS) error) error {
	seen := make(map[string]struct{})
	cursor := ""
	for page := 1; ; page++ {
		p, err := c.ListVPSPage(ctx, cursor)
		if err != nil {
			return err
		}
		if err := fn(p.Data); err != nil {
			return err
		}
		next := ""
		if p.NextCursor != nil {
			next = *p.NextCursor
		}
		if next == "" || (p.HasMore != nil && !*p.HasMore) {
			return nil
		}
		if _, repeated := seen[next]; repeated {
			return fmt.Errorf("hostup: %s: %w after page %d", EndpointVPSList, ErrRepeatedCursor, page)
		}
		if page >= c.maxPages {
			return fmt.Errorf("hostup: %s: %w (%d)", EndpointVPSList, ErrTooManyPages, c.maxPages)
		}
		seen[next] = struct{}{}
		cursor = next
	}
}
