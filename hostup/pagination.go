package hostup

import (
	"context"
	"encoding/json"
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
	// ErrNoProgress means a page of the VPS list added no VPS that an
	// earlier page had not already given (or was empty but pointed to a
	// next page): the cursor does not lead anywhere new, however it looks.
	ErrNoProgress = errors.New("the VPS list made no progress")
)

// ListInfo describes one walk through the VPS list (ListVPS).
type ListInfo struct {
	// Pages is how many pages were handed to fn.
	Pages int
	// Unterminated is set when the last page was full (as many items as
	// asked for with `limit`) and had no continuation the client
	// recognises: no hasMore and no nextCursor key at all, or only values
	// of another type. HostUp does not document the list's envelope, so
	// the list may have been cut short there; the caller should say so
	// (once).
	Unterminated bool
}

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
	if err != nil {
		return nil, c.decodeFailure(err, r)
	}
	if v.HasMore == nil && v.NextCursor == nil && len(v.Data) >= c.pageSize {
		// Rare (a full last page), so the second look at the body is too.
		v.unterminated = !hasContinuation(r.body.Bytes(), v.Mismatches)
	}
	return v, nil
}

// hasContinuation reports whether a page whose hasMore and nextCursor
// decoded to nil had either key with a usable value (null).
func hasContinuation(body []byte, mismatches []Mismatch) bool {
	for _, m := range mismatches {
		if m.Field == "hasMore" || m.Field == "nextCursor" {
			return false
		}
	}
	var keys struct {
		HasMore    json.RawMessage `json:"hasMore"`
		NextCursor json.RawMessage `json:"nextCursor"`
	}
	if json.Unmarshal(trimBOM(body), &keys) != nil {
		return false
	}
	return keys.HasMore != nil || keys.NextCursor != nil
}

// ListVPS reads every page of the VPS list in order and hands each to fn as
// soon as it arrives, so the caller can start on a page's VPSes while the next
// one loads. It stops at the first error, fn's included, which it returns as
// is; the pages handed to fn before it are what was seen.
//
// The list's pagination envelope is not documented for this endpoint; like
// HostUp's other v2 lists it is taken to be `hasMore` and `nextCursor` beside
// `data`. The list ends when nextCursor is null or empty or hasMore is false.
// A page that adds no VPS id an earlier page had not given, or an empty page
// that still points to a next one, ends the list with ErrNoProgress (it is
// not handed to fn): a nextCursor that changes on every page while the items
// repeat costs two calls, not the page cap. A cursor seen before gives
// ErrRepeatedCursor, more than the page cap ErrTooManyPages.
func (c *Client) ListVPS(ctx context.Context, fn func(page []VPS) error) (ListInfo, error) {
	var info ListInfo
	seenCursors := make(map[string]struct{})
	seenIDs := make(map[string]struct{})
	cursor := ""
	for page := 1; ; page++ {
		p, err := c.ListVPSPage(ctx, cursor)
		if err != nil {
			return info, err
		}
		next := ""
		if p.NextCursor != nil {
			next = *p.NextCursor
		}
		more := next != "" && (p.HasMore == nil || *p.HasMore)

		progress := false
		for i := range p.Data {
			if _, seen := seenIDs[p.Data[i].ID]; !seen {
				seenIDs[p.Data[i].ID] = struct{}{}
				progress = true
			}
		}
		if !progress && (len(p.Data) > 0 || more) {
			return info, fmt.Errorf("hostup: %s: %w: page %d adds no VPS that the pages before it had not given (%d items)",
				EndpointVPSList, ErrNoProgress, page, len(p.Data))
		}

		if err := fn(p.Data); err != nil {
			return info, err
		}
		info.Pages++
		if !more {
			info.Unterminated = p.unterminated
			return info, nil
		}
		if _, repeated := seenCursors[next]; repeated {
			return info, fmt.Errorf("hostup: %s: %w after page %d", EndpointVPSList, ErrRepeatedCursor, page)
		}
		if page >= c.maxPages {
			return info, fmt.Errorf("hostup: %s: %w (%d)", EndpointVPSList, ErrTooManyPages, c.maxPages)
		}
		seenCursors[next] = struct{}{}
		cursor = next
	}
}
