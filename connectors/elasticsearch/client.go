package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// client is the Elasticsearch REST client of a task: go-elasticsearch's
// Client over the connection.url nodes, without its own retries (the
// task retries with backoff, by max.retries).
type client struct {
	es *es.Client
	s  *settings
}

func newClient(s *settings) (*client, error) {
	addrs := make([]string, len(s.urls))
	for i, u := range s.urls {
		addrs[i] = u.String()
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: s.connTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       s.tls,
		TLSHandshakeTimeout:   max(s.connTimeout, time.Second),
		ResponseHeaderTimeout: s.readTimeout,
		MaxIdleConnsPerHost:   s.maxInFlight + 2,
		IdleConnTimeout:       time.Minute,
		ForceAttemptHTTP2:     true,
	}
	c, err := es.NewClient(es.Config{
		Addresses:           addrs,
		Username:            s.username,
		Password:            s.password.Value(),
		Transport:           tr,
		DisableRetry:        true,
		CompressRequestBody: s.compression,
	})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %v", err)
	}
	return &client{es: c, s: s}, nil
}

// close drops the client's idle connections.
func (c *client) close() {
	_ = c.es.Close(context.Background())
}

// errTransient marks a failure that may pass: a node that cannot be
// reached or answer in time, HTTP 429 or a 5xx.
var errTransient = errors.New("Elasticsearch cannot take requests for now")

// httpError is a response whose status says the request failed.
type httpError struct {
	op     string
	status int
	body   string
}

func (e *httpError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d: %s", e.op, e.status, e.body)
	switch e.status {
	case http.StatusUnauthorized:
		msg += " (check " + keyUsername + " and " + keyPassword + ")"
	case http.StatusForbidden:
		msg += " (the user of " + keyUsername + " lacks a privilege)"
	}
	return msg
}

// Is makes 429 and 5xx answers match errTransient.
func (e *httpError) Is(target error) bool {
	return target == errTransient && transientStatus(e.status)
}

func transientStatus(status int) bool { return status == http.StatusTooManyRequests || status >= 500 }

// transportError is a request that got no answer.
type transportError struct {
	op  string
	err error
}

func (e *transportError) Error() string { return e.op + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }
func (e *transportError) Is(target error) bool {
	// A server that is not Elasticsearch (go-elasticsearch's product
	// check) will not become one.
	return target == errTransient && !errors.Is(e.err, context.Canceled) &&
		!strings.Contains(e.err.Error(), "server is not Elasticsearch")
}

// do runs a request and returns the response's status and body; a
// request without an answer is a *transportError.
func (c *client) do(ctx context.Context, op string, req esapi.Request) (int, http.Header, []byte, error) {
	res, err := req.Do(ctx, c.es)
	if err != nil {
		return 0, nil, nil, &transportError{op, err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, nil, &transportError{op, err}
	}
	return res.StatusCode, res.Header, body, nil
}

// info asks a node for its version (GET /).
func (c *client) info(ctx context.Context) (string, error) {
	status, _, body, err := c.do(ctx, "GET /", esapi.InfoRequest{})
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", &httpError{"GET /", status, errorBody(body)}
	}
	var info struct {
		Version struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return "", fmt.Errorf("GET /: %v", err)
	}
	return info.Version.Number, nil
}

// bulk sends a bulk request body and returns the response's status and
// body.
func (c *client) bulk(ctx context.Context, body []byte) (int, []byte, error) {
	status, _, resp, err := c.do(ctx, "bulk request", esapi.BulkRequest{Body: bytes.NewReader(body)})
	return status, resp, err
}

// exists tells whether an index or data stream exists (HEAD /name).
func (c *client) exists(ctx context.Context, name string) (bool, error) {
	op := "HEAD /" + name
	status, _, body, err := c.do(ctx, op, esapi.IndicesExistsRequest{Index: []string{name}})
	switch {
	case err != nil:
		return false, err
	case status == http.StatusOK:
		return true, nil
	case status == http.StatusNotFound:
		return false, nil
	}
	return false, &httpError{op, status, errorBody(body)}
}

// createIndex creates an index, with the mapping when it is not nil. An
// index created meanwhile (by another task) is no error.
func (c *client) createIndex(ctx context.Context, name string, mapping []byte) error {
	op := "PUT /" + name
	req := esapi.IndicesCreateRequest{Index: name}
	if mapping != nil {
		req.Body = bytes.NewReader(append(append([]byte(`{"mappings":`), mapping...), '}'))
	}
	status, _, body, err := c.do(ctx, op, req)
	if err != nil {
		return err
	}
	return created(op, status, body)
}

// createDataStream creates a data stream (PUT /_data_stream/name); one
// created meanwhile is no error.
func (c *client) createDataStream(ctx context.Context, name string) error {
	op := "PUT /_data_stream/" + name
	status, _, body, err := c.do(ctx, op, esapi.IndicesCreateDataStreamRequest{Name: name})
	if err != nil {
		return err
	}
	return created(op, status, body)
}

func created(op string, status int, body []byte) error {
	if status == http.StatusOK {
		return nil
	}
	if status == http.StatusBadRequest && strings.Contains(string(body), "resource_already_exists_exception") {
		return nil
	}
	return &httpError{op, status, errorBody(body)}
}

// hasMapping tells whether an index's mapping declares any field.
func (c *client) hasMapping(ctx context.Context, index string) (bool, error) {
	op := "GET /" + index + "/_mapping"
	status, _, body, err := c.do(ctx, op, esapi.IndicesGetMappingRequest{Index: []string{index}})
	if err != nil {
		return false, err
	}
	if status != http.StatusOK {
		return false, &httpError{op, status, errorBody(body)}
	}
	var m map[string]struct {
		Mappings struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return false, fmt.Errorf("%s: %v", op, err)
	}
	for _, ix := range m {
		if len(ix.Mappings.Properties) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// putMapping puts a mapping on an index.
func (c *client) putMapping(ctx context.Context, index string, mapping []byte) error {
	op := "PUT /" + index + "/_mapping"
	status, _, body, err := c.do(ctx, op, esapi.IndicesPutMappingRequest{Index: []string{index}, Body: bytes.NewReader(mapping)})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return &httpError{op, status, errorBody(body)}
	}
	return nil
}

// backoff is the wait before a retry after the n-th failure in a row (n
// >= 1): retry.backoff.ms doubled n-1 times, from half to all of it at
// random, at most a minute.
func backoff(base time.Duration, n int) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base
	for i := 1; i < n && d < time.Minute; i++ {
		d *= 2
	}
	d = min(d, time.Minute)
	return d/2 + rand.N(d/2+1)
}

// retrying runs fn until it succeeds, fails for good, or has failed
// transiently max.retries+1 times, waiting backoff between tries.
func (c *client) retrying(ctx context.Context, fn func() error) error {
	for n := 1; ; n++ {
		err := fn()
		if err == nil || !errors.Is(err, errTransient) || n > c.s.maxRetries {
			if err != nil && errors.Is(err, errTransient) {
				err = fmt.Errorf("%w (after %d retries, %s)", err, c.s.maxRetries, keyMaxRetries)
			}
			return err
		}
		t := time.NewTimer(backoff(c.s.retryBackoff, n))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
