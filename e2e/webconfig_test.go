package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// selfSignedCert writes a certificate for 127.0.0.1 and its key into dir
// and returns their paths and a pool that trusts the certificate.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "hostup_exporter e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestWebConfigTLSAndBasicAuth(t *testing.T) {
	const user, password = "prometheus", "e2e-correct-horse"
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := writeFile(t, dir, "web.yml", fmt.Sprintf(`tls_server_config:
  cert_file: %s
  key_file: %s
basic_auth_users:
  %s: %s
`, certFile, keyFile, user, hash))

	srv := newFake(t, withToken(hostuptest.DocsAccount(), "tok-e2e-webconfig"))
	tokenFile := writeFile(t, dir, "token", "tok-e2e-webconfig")

	client := tlsClient(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	authed := func(u, p string) http.Header {
		req, _ := http.NewRequest(http.MethodGet, "https://x/", nil)
		req.SetBasicAuth(u, p)
		return req.Header
	}
	e := startExporterOpts(t, exporterOpts{
		args: []string{"--hostup.api-url", srv.URL, "--hostup.token-file", tokenFile, "--web.config.file", webConfig},
		ready: func(e *exporter) bool {
			st, _, err := tryGet(client, "https://"+e.addr+"/-/healthy", authed(user, password))
			return err == nil && st == http.StatusOK
		},
	})
	httpsURL := "https://" + e.addr + "/metrics"

	// Plain HTTP gets no metrics.
	if st, body, err := tryGet(http.DefaultClient, e.url+"/metrics", authed(user, password)); err == nil && (st == http.StatusOK || strings.Contains(body, "hostup_up")) {
		t.Errorf("plain HTTP to a TLS listener: status %d, body:\n%.300s", st, body)
	}
	// HTTPS with a client that does not trust the certificate fails.
	if _, _, err := tryGet(tlsClient(&tls.Config{MinVersion: tls.VersionTLS12}), httpsURL, authed(user, password)); err == nil {
		t.Error("HTTPS with the system roots accepted the self-signed certificate")
	}

	for _, tc := range []struct {
		name   string
		header http.Header
		want   int
	}{
		{"no credentials", nil, http.StatusUnauthorized},
		{"wrong password", authed(user, password+"x"), http.StatusUnauthorized},
		{"unknown user", authed("nobody", password), http.StatusUnauthorized},
		{"right credentials", authed(user, password), http.StatusOK},
	} {
		st, body := mustGet(t, client, httpsURL, tc.header)
		if st != tc.want {
			t.Errorf("HTTPS /metrics with %s: status %d, want %d", tc.name, st, tc.want)
		}
		hasMetrics := strings.Contains(body, "hostup_up{")
		if hasMetrics != (tc.want == http.StatusOK) {
			t.Errorf("HTTPS /metrics with %s: body has hostup_up: %v; body:\n%.300s", tc.name, hasMetrics, body)
		}
		if tc.want == http.StatusOK {
			requireValue(t, parseMetrics(t, body), "hostup_up", map[string]string{"account": "default"}, 1)
		}
	}
	// /probe is behind the same gate.
	if st, _ := mustGet(t, client, "https://"+e.addr+"/probe?account=default", nil); st != http.StatusUnauthorized {
		t.Errorf("HTTPS /probe without credentials: status %d, want 401", st)
	}
}
