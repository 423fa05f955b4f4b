package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/config"
)

// NotFoundError says the connector, task, plugin or logger a request
// names does not exist: 404. Kafka Connect words it "Connector <name> not
// found".
type NotFoundError struct{ Message string }

// Error returns the message, as the error body shows it.
func (e *NotFoundError) Error() string { return e.Message }

// AlreadyExistsError says a connector of that name exists: 409. Kafka
// Connect words it "Connector <name> already exists".
type AlreadyExistsError struct{ Message string }

// Error returns the message, as the error body shows it.
func (e *AlreadyExistsError) Error() string { return e.Message }

// BadRequestError says the request cannot be applied as given: 400.
type BadRequestError struct{ Message string }

// Error returns the message, as the error body shows it.
func (e *BadRequestError) Error() string { return e.Message }

// ConflictError says the request cannot be applied now but may succeed
// if retried, such as during a rebalance: 409.
type ConflictError struct{ Message string }

// Error returns the message, as the error body shows it.
func (e *ConflictError) Error() string { return e.Message }

// ForbiddenError says the worker's config forbids the request, such as
// topic tracking being disabled: 403.
type ForbiddenError struct{ Message string }

// Error returns the message, as the error body shows it.
func (e *ForbiddenError) Error() string { return e.Message }

// Errorf-style constructors, for herders.

// NotFound returns a *NotFoundError with a formatted message.
func NotFound(format string, args ...any) error {
	return &NotFoundError{Message: fmt.Sprintf(format, args...)}
}

// AlreadyExists returns an *AlreadyExistsError with a formatted message.
func AlreadyExists(format string, args ...any) error {
	return &AlreadyExistsError{Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a *BadRequestError with a formatted message.
func BadRequest(format string, args ...any) error {
	return &BadRequestError{Message: fmt.Sprintf(format, args...)}
}

// Conflict returns a *ConflictError with a formatted message.
func Conflict(format string, args ...any) error {
	return &ConflictError{Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns a *ForbiddenError with a formatted message.
func Forbidden(format string, args ...any) error {
	return &ForbiddenError{Message: fmt.Sprintf(format, args...)}
}

// errorResponse maps an error to its HTTP status and the message of the
// error body, as Kafka Connect's ConnectExceptionMapper does.
func errorResponse(err error) (int, string) {
	var (
		notFound   *NotFoundError
		exists     *AlreadyExistsError
		badRequest *BadRequestError
		conflict   *ConflictError
		forbidden  *ForbiddenError
		cfgErrs    *config.Errors
		tooLarge   *http.MaxBytesError
	)
	switch {
	case errors.As(err, &notFound):
		return http.StatusNotFound, notFound.Message
	case errors.As(err, &exists):
		return http.StatusConflict, exists.Message
	case errors.As(err, &badRequest):
		return http.StatusBadRequest, badRequest.Message
	case errors.As(err, &conflict):
		return http.StatusConflict, conflict.Message
	case errors.As(err, &forbidden):
		return http.StatusForbidden, forbidden.Message
	case errors.As(err, &cfgErrs):
		return http.StatusBadRequest, configErrorsMessage(cfgErrs)
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusInternalServerError, "Request timed out"
	case errors.Is(err, context.Canceled):
		return http.StatusInternalServerError, "Request interrupted"
	}
	return http.StatusInternalServerError, err.Error()
}

// invalidConfigMessage words a failed validation as Kafka Connect's
// herder does when it refuses a connector config: every message, one a
// line, each naming its key.
func invalidConfigMessage(messages []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Connector configuration is invalid and contains the following %d error(s):", len(messages))
	for _, m := range messages {
		b.WriteString("\n")
		b.WriteString(m)
	}
	b.WriteString("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return b.String()
}

// configErrorsMessage words a *config.Errors from a herder the same way.
func configErrorsMessage(e *config.Errors) string {
	var msgs []string
	for _, k := range e.Keys() {
		for _, m := range e.For(k) {
			msgs = append(msgs, namingKey(k, m))
		}
	}
	return invalidConfigMessage(msgs)
}

// namingKey prefixes a message with its key unless it names it already,
// so that every message of a refused config says which key it is about.
func namingKey(key, msg string) string {
	if strings.Contains(msg, key) {
		return msg
	}
	return key + ": " + msg
}
