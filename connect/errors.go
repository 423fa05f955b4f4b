package connect

import (
	"errors"
	"fmt"
)

// ErrData is matched (with errors.Is) by every error about bad data: a
// value that does not fit its schema, a record a transformation or
// converter cannot handle. It is Kafka Connect's DataException. Such an
// error is about one record: the runtime applies errors.tolerance to it.
var ErrData = errors.New("data error")

type dataError struct{ msg string }

func (e *dataError) Error() string        { return e.msg }
func (e *dataError) Is(target error) bool { return target == ErrData }

// DataErrorf formats an error that matches ErrData.
func DataErrorf(format string, args ...any) error {
	return &dataError{msg: fmt.Sprintf(format, args...)}
}

// RetriableError marks a failure that may pass if the same operation is
// tried again (a broker or target that is unreachable for now), as Kafka
// Connect's RetriableException does. The runtime retries it with backoff
// within errors.retry.timeout.
type RetriableError struct{ Err error }

func (e *RetriableError) Error() string { return e.Err.Error() }
func (e *RetriableError) Unwrap() error { return e.Err }

// Retriable wraps err as a RetriableError; nil stays nil.
func Retriable(err error) error {
	if err == nil {
		return nil
	}
	return &RetriableError{Err: err}
}

// IsRetriable reports whether err, or an error it wraps, is a
// RetriableError.
func IsRetriable(err error) bool {
	var r *RetriableError
	return errors.As(err, &r)
}
