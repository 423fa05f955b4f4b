package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The root credentials and region of every gateway.
const (
	AccessKey = "sluice-test-access"
	SecretKey = "sluice-test-secret"
	Region    = "us-east-1"
)

// startTimeout bounds how long a gateway may take to answer.
const startTimeout = 30 * time.Second

// Gateway is one running (or stopped) versitygw. Its methods are safe for
// concurrent use.
type Gateway struct {
	// Endpoint is the gateway's URL, such as http://127.0.0.1:41234: the
	// S3 sink's store.url.
	Endpoint string
	// Port is its TCP port; it stays the same across Stop and Start.
	Port int

	dir string // the gateway's own directory: data/ and gateway.log

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	client *s3.Client
}

var (
	mainRunning atomic.Bool
	baseDir     string

	sharedOnce sync.Once
	shared     *Gateway
	sharedErr  error

	gatewaySeq atomic.Int64
	bucketSeq  atomic.Int64
)

// Main runs the tests of a binary that uses s3test, then stops the gateway
// Shared started and removes every directory s3test made. Call it from
// TestMain and exit with its result.
func Main(m *testing.M) int {
	teardown, err := Setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	teardown()
	return code
}

// Setup is Main without running the tests, for a TestMain that runs them
// itself (one that sets up another package too, such as dbtest): call it
// once, before m.Run, and call teardown after. Setup makes s3test's
// temporary directory; gateways start later, when a test asks for one.
// teardown stops the gateway Shared started and removes every directory
// s3test made, printing what fails to stderr; tests that ask for a
// gateway after it fail.
func Setup() (teardown func(), err error) {
	dir, err := os.MkdirTemp("", "s3test-")
	if err != nil {
		return nil, fmt.Errorf("s3test: %w", err)
	}
	baseDir = dir
	mainRunning.Store(true)
	return func() {
		mainRunning.Store(false)
		if shared != nil {
			if err := shared.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "s3test:", err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "s3test:", err)
		}
	}, nil
}

func requireMain(t testing.TB) {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatal("s3test: the test binary must run its tests through s3test.Main (func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }) or call s3test.Setup in its TestMain")
	}
}

// Shared returns the binary's gateway, starting it on first use. Tests
// that share it take a bucket each (NewBucket) and must not stop it.
func Shared(t testing.TB) *Gateway {
	t.Helper()
	requireMain(t)
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		t.Fatalf("s3test: starting the shared gateway: %v", sharedErr)
	}
	return shared
}

// Start starts a gateway of the test's own and stops it when the test
// ends, for a test that stops and starts it.
func Start(t testing.TB) *Gateway {
	t.Helper()
	requireMain(t)
	g, err := start()
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	t.Cleanup(func() {
		if err := g.Stop(); err != nil {
			t.Errorf("s3test: %v", err)
		}
		if err := os.RemoveAll(g.dir); err != nil {
			t.Errorf("s3test: %v", err)
		}
	})
	return g
}

// Binary returns the path of the versitygw binary: on PATH, or in the bin
// directory of GOPATH, where go install puts it.
func Binary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	for _, gp := range filepath.SplitList(build.Default.GOPATH) {
		p := filepath.Join(gp, "bin", "versitygw")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("versitygw is not installed (not on PATH, nor in $(go env GOPATH)/bin): " +
		"run scripts/setup, which installs it with go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
}

// start makes a gateway's directory and starts it on a free port, trying
// another port if the one it got was taken meanwhile.
func start() (*Gateway, error) {
	if _, err := Binary(); err != nil {
		return nil, err
	}
	dir := filepath.Join(baseDir, "gateway-"+strconv.FormatInt(gatewaySeq.Add(1), 10))
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	g := &Gateway{dir: dir}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		g.Port = port
		g.Endpoint = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		g.client = newClient(g.Endpoint)
		if lastErr = g.Start(); lastErr == nil {
			return g, nil
		}
		if !strings.Contains(lastErr.Error(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

// freePort returns a TCP port of 127.0.0.1 that nothing listened on a
// moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func newClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
	})
}

// Start starts the stopped gateway again, on the same port and data, and
// waits until it answers. Starting a running gateway does nothing.
func (g *Gateway) Start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd != nil {
		return nil
	}
	bin, err := Binary()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(g.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--region", Region,
		"--port", net.JoinHostPort("127.0.0.1", strconv.Itoa(g.Port)), "--quiet",
		"posix", filepath.Join(g.dir, "data"))
	cmd.Stdout, cmd.Stderr = logf, logf
	// The gateway dies with the test binary, even if Main never gets to
	// stop it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	g.cmd, g.exited = cmd, exited
	if err := g.waitReady(exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		g.cmd, g.exited = nil, nil
		return err
	}
	return nil
}

// waitReady lists the buckets until the gateway answers, it exits, or
// startTimeout passes.
func (g *Gateway) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited while starting: %s", g.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, lastErr = g.client.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if lastErr == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("versitygw did not answer within %v: %v; log: %s", startTimeout, lastErr, g.logTail())
}

func (g *Gateway) logPath() string { return filepath.Join(g.dir, "gateway.log") }

// logTail returns the end of the gateway's log, for errors.
func (g *Gateway) logTail() string {
	b, err := os.ReadFile(g.logPath())
	if err != nil {
		return err.Error()
	}
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// Stop stops the gateway and waits for it to exit (killing it after 10
// s). Requests fail until Start. Stopping a stopped gateway does nothing.
func (g *Gateway) Stop() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd == nil {
		return nil
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case <-g.exited:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.exited
		err = errors.New("versitygw did not stop within 10s of SIGTERM; killed it")
	}
	g.cmd, g.exited = nil, nil
	return err
}

// Client returns an S3 client of the gateway's root user.
func (g *Gateway) Client() *s3.Client { return g.client }

var nonBucketChars = regexp.MustCompile(`[^a-z0-9-]+`)

// NewBucket creates an empty bucket named after the test and returns its
// name.
func (g *Gateway) NewBucket(t testing.TB) string {
	t.Helper()
	name := strings.Trim(nonBucketChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	prefix := "b" + strconv.FormatInt(bucketSeq.Add(1), 10) + "-"
	name = strings.TrimRight(prefix+name[:min(len(name), 63-len(prefix))], "-")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := g.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: creating bucket %s: %v", name, err)
	}
	return name
}

// Keys returns the keys of the bucket's objects under prefix, sorted.
func (g *Gateway) Keys(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var keys []string
	p := s3.NewListObjectsV2Paginator(g.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("s3test: listing %s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	slices.Sort(keys)
	return keys
}

// Get returns the bytes of an object.
func (g *Gateway) Get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := g.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("s3test: getting %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, out.Body); err != nil {
		t.Fatalf("s3test: reading %s/%s: %v", bucket, key, err)
	}
	return buf.Bytes()
}

// Objects returns every object under prefix, by key.
func (g *Gateway) Objects(t testing.TB, bucket, prefix string) map[string][]byte {
	t.Helper()
	objs := map[string][]byte{}
	for _, k := range g.Keys(t, bucket, prefix) {
		objs[k] = g.Get(t, bucket, k)
	}
	return objs
}
