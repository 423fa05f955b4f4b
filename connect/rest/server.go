package rest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
	"time"
)

// The defaults of Options.
const (
	// DefaultRequestTimeout is Kafka Connect's REST request timeout.
	DefaultRequestTimeout = 90 * time.Second
	// DefaultShutdownTimeout bounds how long ListenAndServe waits for
	// requests in flight once its ctx is done.
	DefaultShutdownTimeout = 10 * time.Second
	// maxBodyBytes bounds a request body.
	maxBodyBytes = 8 << 20
)

// Options configure a Server. The zero value serves plain HTTP without
// authentication, with topic tracking enabled, as a Kafka Connect worker
// does by default.
type Options struct {
	// BasicAuth, when non-nil (even empty), turns on HTTP basic
	// authentication with these users and their passwords. With
	// authentication on, every request but GET /health must carry
	// credentials that pass; others get 401 with the error body and
	// WWW-Authenticate: Basic realm="sluice". Passwords are compared in
	// constant time and never logged.
	BasicAuth map[string]string
	// Authenticate, when set, turns on basic authentication too, and
	// decides on the credentials BasicAuth does not accept: it returns
	// true to let the request through. It should compare in constant
	// time.
	Authenticate func(user, password string) bool

	// TLS, when set, makes ListenAndServe and Serve serve HTTPS with it.
	// It must hold a certificate (Certificates or GetCertificate); set
	// ClientAuth for mutual TLS.
	TLS *tls.Config

	// Loggers is the worker's log levels, which /admin/loggers reads and
	// sets. Nil: a set of its own whose root is at INFO.
	Loggers *Loggers
	// Logger receives one record per request (method, path, status,
	// duration; never bodies or credentials) and the causes of 500s.
	// Nil: slog.Default().
	Logger *slog.Logger

	// RequestTimeout bounds each call to the Herder; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// ShutdownTimeout bounds the graceful stop of ListenAndServe; 0
	// means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	// Metrics, when set, serves GET /metrics (Prometheus), behind the
	// same authentication as the rest of the API.
	Metrics http.Handler

	// DisableTopicTracking answers GET and PUT /connectors/{name}/topics
	// with 403, as a worker with topic.tracking.enable=false does.
	DisableTopicTracking bool
	// DisableTopicTrackingReset answers PUT
	// /connectors/{name}/topics/reset with 403, as a worker with
	// topic.tracking.allow.reset=false does.
	DisableTopicTrackingReset bool
}

// Server is the REST API of one worker over a Herder.
type Server struct {
	herder  Herder
	opts    Options
	loggers *Loggers
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
}

// NewServer returns the REST API over h. It does not listen: mount
// Handler in a server of your own or call ListenAndServe.
func NewServer(h Herder, opts Options) *Server {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	s := &Server{herder: h, opts: opts, loggers: opts.Loggers, log: opts.Logger, mux: http.NewServeMux()}
	if s.loggers == nil {
		s.loggers = NewLoggers(slog.LevelInfo)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.routes()
	s.handler = s.logRequests(s.authenticate(http.HandlerFunc(s.route)))
	return s
}

// Handler returns the API as an http.Handler: authentication, request
// logging and every endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// Loggers returns the log levels the API reads and sets.
func (s *Server) Loggers() *Loggers { return s.loggers }

// ListenAndServe listens on the TCP address addr (":8083") and serves the
// API, over TLS if Options.TLS is set, until ctx is done. It then stops
// accepting connections, waits up to Options.ShutdownTimeout for
// requests in flight, and returns nil. It returns an error if it cannot
// listen or the server fails.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("rest: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on a listener of the caller's; it closes ln
// when it returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         s.opts.TLS,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if s.opts.TLS != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	s.log.Info("REST API listening", "addr", ln.Addr().String(), "tls", s.opts.TLS != nil)
	select {
	case err := <-errc:
		return fmt.Errorf("rest: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		_ = srv.Close()
	}
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("rest: serve: %w", serveErr)
	}
	if err != nil {
		return fmt.Errorf("rest: stop: %w", err)
	}
	s.log.Info("REST API stopped", "addr", ln.Addr().String())
	return nil
}

// handle registers an endpoint whose handler returns an error, which is
// answered with the error body and the status the error maps to. Each
// call gets a context bounded by Options.RequestTimeout.
func (s *Server) handle(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		if err := fn(w, r.WithContext(ctx)); err != nil {
			code, msg := errorResponse(err)
			if code == http.StatusInternalServerError {
				s.log.Error("REST request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, code, msg)
		}
	})
}

// route serves the request with the endpoint that matches it, and
// answers unknown paths with 404 and known paths with the wrong method
// with 405, both with the error body, as Kafka Connect does.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The mux's own answer says which of the two it is (and, for 405,
	// which methods the path allows).
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.code {
	case http.StatusMethodNotAllowed:
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed")
	case http.StatusNotFound, 0:
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
	default:
		// A redirect to the clean path, or another answer of the mux.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
		_, _ = w.Write(rec.body.Bytes())
	}
}

// headerRecorder keeps what a handler writes.
type headerRecorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *headerRecorder) Header() http.Header { return r.header }
func (r *headerRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *headerRecorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

// logRequests logs one record per request: method, path, status and
// duration. It never logs bodies, query strings or headers.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "REST request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.code), slog.Duration("duration", time.Since(start)))
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON answers with code and v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// writeError answers with Kafka Connect's error body.
func writeError(w http.ResponseWriter, code int, msg string) {
	body, _ := json.Marshal(ErrorMessage{ErrorCode: code, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// decodeJSON reads the request body as JSON into v, refusing fields v
// does not have, trailing data and bodies over maxBodyBytes. Kafka
// Connect answers a body that is not JSON with a 500; this API says 400,
// since the fault is the client's.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var (
			tooLarge  *http.MaxBytesError
			wrongType *json.UnmarshalTypeError
		)
		switch {
		case errors.As(err, &tooLarge):
			return err
		case errors.Is(err, io.EOF):
			return BadRequest("Request body is empty; a JSON body is required")
		case errors.As(err, &wrongType) && wrongType.Field != "":
			return BadRequest("Request body field %q must be a JSON %s, not a %s", wrongType.Field, jsonKind(wrongType.Type), wrongType.Value)
		case errors.As(err, &wrongType):
			return BadRequest("Request body must be a JSON %s, not a %s", jsonKind(wrongType.Type), wrongType.Value)
		}
		return BadRequest("Request body is not valid JSON for this request: %v", err)
	}
	if dec.More() {
		return BadRequest("Request body holds more than one JSON value")
	}
	return nil
}

// jsonKind names the JSON kind that decodes into a Go type.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Bool:
		return "boolean"
	}
	return "number"
}

// commit is the VCS revision of the build, for GET /.
var commit = func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}()
