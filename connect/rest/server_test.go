package rest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a TLS certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sluice-test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

func TestServeUntilContextDone(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name   string
		tls    *tls.Config
		scheme string
		client *http.Client
	}{
		{"plain HTTP", nil, "http", &http.Client{}},
		{"TLS", &tls.Config{Certificates: []tls.Certificate{cert}}, "https",
			&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(&stubHerder{health: healthy}, Options{TLS: tt.tls, Logger: slog.New(slog.DiscardHandler)})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ctx, ln) }()

			url := tt.scheme + "://" + ln.Addr().String() + "/health"
			resp, err := tt.client.Get(url)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			var st WorkerStatus
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || st.Status != Healthy {
				t.Errorf("GET /health = %d %+v %v", resp.StatusCode, st, err)
			}
			if tt.tls != nil && resp.TLS == nil {
				t.Error("answer was not over TLS")
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve = %v, want nil after ctx is done", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not return after ctx was done")
			}
			if _, err := tt.client.Get(url); err == nil {
				t.Error("the server still answers after it stopped")
			}
		})
	}
}

func TestListenAndServeReportsABadAddress(t *testing.T) {
	srv := NewServer(&stubHerder{health: healthy}, Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.ListenAndServe(context.Background(), "256.0.0.1:bad"); err == nil {
		t.Fatal("ListenAndServe on a bad address returned nil")
	}
}

func TestMetricsAreServedBehindAuth(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "sluice_task_records_polled_total 3\n")
	})
	s := NewServer(&stubHerder{health: healthy}, Options{Metrics: metrics, BasicAuth: map[string]string{"admin": "pw"}})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated GET /metrics = %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/metrics", nil)
	req.SetBasicAuth("admin", "pw")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "sluice_task_records_polled_total") {
		t.Fatalf("GET /metrics = %d %s", resp.StatusCode, body)
	}
}
