// Package compress holds the gzip encoding of hostup_exporter's scrape
// answers (/metrics and /probe).
package compress

import (
	"io"
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzhttp/writer"
	"github.com/klauspost/compress/gzip"
)

// Handler gzips next's answers for clients that ask for it (Prometheus
// always does), at gzip's fastest level. next must not compress itself
// (promhttp.HandlerOpts.DisableCompression).
//
// promhttp would compress with compress/gzip at the default level, which was
// the largest single cost of serving a scrape: at 1000 VPSes ~25 ms of CPU to
// turn 3.7 MB of text into 390 KB. klauspost's gzip at its fastest level
// takes ~5 ms for 437 KB (BENCHMARKS.md): a fifth of the CPU for a body 12%
// larger, on a link that is loopback or LAN. zstd stays off: Prometheus asks
// for gzip, and the encoding should not depend on which one a client lists
// first.
func Handler(next http.Handler) http.Handler {
	return wrap(next)
}

var wrap = func() func(http.Handler) http.HandlerFunc {
	w, err := gzhttp.NewWrapper(
		gzhttp.CompressionLevel(gzip.BestSpeed),
		gzhttp.EnableZstd(false),
		gzhttp.Implementation(writer.GzipWriterFactory{
			Levels: func() (int, int) { return gzip.BestSpeed, gzip.BestSpeed },
			New:    newWriter,
		}),
	)
	if err != nil {
		panic(err) // the options above are constants
	}
	return w
}()

// spare holds gzip writers between scrapes. A writer is ~800 KB of tables
// and history, and gzhttp's own pool is a sync.Pool, which every garbage
// collection empties: a small account's scrape runs about one collection,
// so each scrape made a new writer, a fifth of what it allocated, and the
// extra allocation brought on more collections (BENCHMARKS.md). A few are
// kept, for the scrapes of an HA pair that overlap; more concurrent scrapes
// make writers of their own, which the GC takes back.
var spare = make(chan *gzip.Writer, 2)

func newWriter(w io.Writer, level int) writer.GzipWriter {
	var zw *gzip.Writer
	select {
	case zw = <-spare:
		zw.Reset(w)
	default:
		zw, _ = gzip.NewWriterLevel(w, level) // level is BestSpeed, valid
	}
	return &keptWriter{zw}
}

// keptWriter offers its gzip.Writer back to spare once closed.
type keptWriter struct{ *gzip.Writer }

func (k *keptWriter) Close() error {
	err := k.Writer.Close()
	k.Writer.Reset(io.Discard) // let go of the response writer
	select {
	case spare <- k.Writer:
	default:
	}
	k.Writer = nil
	return err
}
