package estest

import (
	"compress/gzip"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// DefaultVersion is the version a node reports until SetVersion changes
// it.
const DefaultVersion = "8.19.0"

// Server is one fake Elasticsearch node, serving on a free port of
// 127.0.0.1 until the test that started it ends. Its methods are safe for
// concurrent use, also while the node serves requests.
type Server struct {
	// URL is the node's base URL, such as http://127.0.0.1:41234 (https
	// with the TLS option): the sink's connection.url.
	URL string

	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	version    string
	indices    map[string]*index
	user, pass string
	// wholeFaults are the statuses the next bulk requests fail with, one
	// per request.
	wholeFaults []int
	itemFault   ItemFault
	sent        map[string]int // times each index/id was sent
	log         [][]Op         // the operations of each bulk request
	gate        chan struct{}  // while not nil, bulk requests wait for it to close
	inflight    int
	maxFlight   int
	other       []string // requests other than _bulk, as "METHOD /path"
	gzipped     int      // requests with a gzip body
}

// Op is one operation of a bulk request, as the node read it.
type Op struct {
	// Action is the bulk action: "index", "create", "update" or "delete".
	Action string
	// Index is the index or data stream the operation names (or the
	// request path's default index).
	Index string
	// ID is the document id, empty when the operation has none (the node
	// then makes one up for index and create).
	ID string
}

// The bulk actions, as Op.Action holds them.
const (
	ActionIndex  = "index"
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// ItemFault decides whether the node refuses one operation of a bulk
// request before carrying it out. It is given the operation and how many
// times an operation on the same index and id was sent before (since
// Start or ResetLog); it returns the item's status and its error's type
// and reason, or a status of 0 to let the operation through. It runs with
// the node's lock held: it must not call the Server's methods.
type ItemFault func(op Op, sentBefore int) (status int, errType, reason string)

// Option changes how Start starts a node.
type Option func(*options)

type options struct {
	tls        bool
	user, pass string
	clientCAs  *x509.CertPool
}

// WithTLS serves HTTPS with net/http/httptest's certificate, whose names
// are 127.0.0.1, ::1 and example.com (not localhost): a client trusts it
// through Server.CertificatePEM.
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithBasicAuth asks every request for HTTP basic authentication with
// this user and password, and refuses others with 401 and Elasticsearch's
// security_exception.
func WithBasicAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithClientCertificates serves HTTPS (as WithTLS) and refuses, in the
// TLS handshake, a client without a certificate signed by one of pool.
func WithClientCertificates(pool *x509.CertPool) Option {
	return func(o *options) { o.tls, o.clientCAs = true, pool }
}

// Start starts a node of DefaultVersion that creates an index on the
// first write to it, as Elasticsearch's default action.auto_create_index
// does. It is stopped, and requests held by Hold let go, when the test
// ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{t: t, version: DefaultVersion, indices: map[string]*index{}, sent: map[string]int{},
		user: o.user, pass: o.pass}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if o.clientCAs != nil {
		s.srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: o.clientCAs}
	}
	if o.tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.Release()
	s.srv.Close()
}

// CertificatePEM returns the PEM of the certificate a node started with
// WithTLS or WithClientCertificates serves, for a client to trust; nil
// for a node over plain HTTP.
func (s *Server) CertificatePEM() []byte {
	c := s.srv.Certificate()
	if c == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// SetVersion makes the node report version v (such as "8.7.1") from now
// on, in GET / and in the errors that depend on it: before 8.8 a
// document that does not fit the mapping is refused with
// mapper_parsing_exception, from 8.8 on with document_parsing_exception
// and the position in the reason.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}

// FailRequests makes the next bulk requests fail as a whole, one status
// per request, in order, before the node reads their operations: 429 as
// es_rejected_execution_exception, 503 as cluster_block_exception, 502 and
// 504 as a proxy's HTML page without the X-Elastic-Product header, any
// other status as a generic exception. Each such request is in BulkLog
// with no operations.
func (s *Server) FailRequests(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wholeFaults = append(s.wholeFaults, statuses...)
}

// SetItemFault makes the node ask fn about every operation of the bulk
// requests from now on; nil stops it.
func (s *Server) SetItemFault(fn ItemFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.itemFault = fn
}

// Hold makes bulk requests wait in the node, unanswered, until Release
// (or until their client gives up); other requests are answered.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// Release lets the bulk requests held by Hold go on, and the next ones
// through.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// InFlight returns how many bulk requests the node is handling now
// (held by Hold included) and the most it ever handled at once.
func (s *Server) InFlight() (now, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight, s.maxFlight
}

// BulkLog returns the operations of every bulk request so far (since
// Start or ResetLog), one slice per request in the order the node
// answered them; a request failed by FailRequests has none, one refused
// as malformed is not there.
func (s *Server) BulkLog() [][]Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetLog forgets the bulk requests so far, and how many times each
// document was sent (what ItemFault is told).
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.sent = map[string]int{}
}

// Requests returns the requests other than _bulk so far, as
// "METHOD /path" (such as "PUT /orders/_mapping"), in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.other)
}

// GzipRequests returns how many requests so far came with a gzip body
// (Content-Encoding: gzip).
func (s *Server) GzipRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gzipped
}

// CreateIndex creates an index, as a user would before starting a
// connector, with a mapping given as JSON of {"properties":...} and
// maybe "dynamic":"strict", or none when mapping is empty. A mapping the
// node cannot read fails the test.
func (s *Server) CreateIndex(name, mapping string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.newIndex(name)
	if mapping != "" {
		if err := ix.putMapping([]byte(mapping)); err != nil {
			s.t.Fatalf("estest: mapping of %s: %v", name, err)
		}
	}
}

// DropIndex deletes an index or data stream and its documents, if there
// is one of that name.
func (s *Server) DropIndex(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.indices, name)
}

// Source returns a document's source as it was written (for an update,
// as merged), and whether the document exists.
func (s *Server) Source(index, id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil || ix.docs[id] == nil {
		return "", false
	}
	return string(ix.docs[id].source), true
}

// DocVersion returns a document's _version: 1 when created, one more for
// every write that changed it (or 0 if it does not exist).
func (s *Server) DocVersion(index, id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil || ix.docs[id] == nil {
		return 0
	}
	return ix.docs[id].version
}

// IDs returns the ids of an index's documents, sorted (nil when the
// index does not exist).
func (s *Server) IDs(index string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(ix.docs))
}

// Count returns how many documents an index or data stream holds (0 when
// it does not exist).
func (s *Server) Count(index string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ix := s.indices[index]; ix != nil {
		return len(ix.docs)
	}
	return 0
}

// Mapping returns an index's mapping as GET /index/_mapping shows it
// under the index's name, such as
// {"mappings":{"properties":{"qty":{"type":"integer"}}}}, or "" when the
// index does not exist.
func (s *Server) Mapping(index string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil {
		return ""
	}
	b, _ := json.Marshal(ix.mappingBody())
	return string(b)
}

// newIndex adds an empty index. s.mu is held.
func (s *Server) newIndex(name string) *index {
	ix := &index{name: name, uuid: randomID(), docs: map[string]*document{}, props: map[string]*field{}}
	s.indices[name] = ix
	return ix
}

func randomID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newerThan88 tells whether the node reports document parsing failures
// as document_parsing_exception (8.8 and later). s.mu is held.
func (s *Server) newerThan88() bool {
	parts := strings.SplitN(s.version, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major > 8 || (major == 8 && minor >= 8)
}

// serve answers as an Elasticsearch node.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	if s.user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != s.user || p != s.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
			reason := "missing authentication credentials for REST request [" + r.URL.Path + "]"
			if ok {
				reason = "unable to authenticate user [" + u + "] for REST request [" + r.URL.Path + "]"
			}
			writeError(w, http.StatusUnauthorized, "security_exception", reason, nil)
			return
		}
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "illegal_argument_exception", "bad gzip body: "+err.Error(), nil)
			return
		}
		r.Body = io.NopCloser(zr)
		s.mu.Lock()
		s.gzipped++
		s.mu.Unlock()
	}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	if path == "_bulk" || (len(parts) == 2 && parts[1] == "_bulk") {
		defaultIndex := ""
		if len(parts) == 2 {
			defaultIndex = parts[0]
		}
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			writeError(w, http.StatusMethodNotAllowed, "exception", "Incorrect HTTP method for uri [/_bulk] and method ["+r.Method+"], allowed: [POST, PUT]", nil)
			return
		}
		s.bulk(w, r, defaultIndex)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.other = append(s.other, r.Method+" "+r.URL.Path)
	s.route(w, r, path, parts)
}
