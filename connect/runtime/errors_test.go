package runtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func TestParseErrorPolicy(t *testing.T) {
	p, err := ParseErrorPolicy(map[string]string{
		"errors.retry.timeout":                          "-1",
		"errors.retry.delay.max.ms":                     "5000",
		"errors.tolerance":                              "ALL",
		"errors.deadletterqueue.topic.name":             "dlq",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := ErrorPolicy{RetryTimeout: -time.Millisecond, MaxDelay: 5 * time.Second, TolerateAll: true,
		DLQTopic: "dlq", DLQReplicationFactor: 3, DLQContextHeaders: true}
	if p != want {
		t.Fatalf("policy = %+v, want %+v", p, want)
	}
	_, err = ParseErrorPolicy(map[string]string{"errors.tolerance": "some", "errors.retry.delay.max.ms": "0"})
	var errs *config.Errors
	if !errors.As(err, &errs) || len(errs.For("errors.tolerance")) != 1 || len(errs.For("errors.retry.delay.max.ms")) != 1 {
		t.Fatalf("error = %v", err)
	}
	if !strings.Contains(err.Error(), "Invalid value some for configuration errors.tolerance") {
		t.Fatalf("error does not name key and value: %v", err)
	}
}

// recorder is a Reporter that remembers what it was told.
type recorder struct{ got []Failure }

func (r *recorder) Report(_ context.Context, f Failure) error { r.got = append(r.got, f); return nil }

func newTestOperator(p ErrorPolicy, reps ...Reporter) (*Operator, *[]time.Duration) {
	o := NewOperator(p, reps...)
	var slept []time.Duration
	now := time.Unix(0, 0)
	o.now = func() time.Time { return now }
	o.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); now = now.Add(d); return nil }
	return o, &slept
}

func TestOperatorTolerance(t *testing.T) {
	bad := connect.DataErrorf("cannot cast")
	tests := []struct {
		name       string
		policy     ErrorPolicy
		stage      Stage
		wantSkip   bool
		wantReport int
	}{
		{"none fails the task", ErrorPolicy{}, StageTransformation, false, 0},
		{"all skips a transformation failure and reports it", ErrorPolicy{TolerateAll: true}, StageTransformation, true, 1},
		{"all skips a converter failure", ErrorPolicy{TolerateAll: true}, StageValueConverter, true, 1},
		{"all does not skip a failing put", ErrorPolicy{TolerateAll: true}, StageTaskPut, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			o, _ := newTestOperator(tc.policy, rec)
			err := o.Execute(context.Background(), &Failure{Stage: tc.stage, Plugin: "Cast$Value"}, func() error { return bad })
			if tc.wantSkip {
				if !errors.Is(err, ErrSkipped) {
					t.Fatalf("err = %v, want ErrSkipped", err)
				}
			} else if err == nil || errors.Is(err, ErrSkipped) || !errors.Is(err, connect.ErrData) ||
				!strings.Contains(err.Error(), string(tc.stage)) || !strings.Contains(err.Error(), "Cast$Value") {
				t.Fatalf("err = %v, want a task failure naming stage and plugin", err)
			}
			if len(rec.got) != tc.wantReport {
				t.Fatalf("reported %d times, want %d", len(rec.got), tc.wantReport)
			}
			if tc.wantReport > 0 && rec.got[0].Err != bad {
				t.Fatalf("reported error %v", rec.got[0].Err)
			}
		})
	}
}

func TestOperatorRetriesRetriableFailuresWithBackoff(t *testing.T) {
	o, slept := newTestOperator(ErrorPolicy{RetryTimeout: 10 * time.Second, MaxDelay: 2 * time.Second})
	calls := 0
	err := o.Execute(context.Background(), &Failure{Stage: StageTaskPut, Plugin: "jdbc"}, func() error {
		calls++
		if calls < 4 {
			return connect.Retriable(errors.New("database down"))
		}
		return nil
	})
	if err != nil || calls != 4 {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
	if want := []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 1200 * time.Millisecond}; !equalDurations(*slept, want) {
		t.Fatalf("waits = %v, want %v", *slept, want)
	}
	if _, _, retries := o.Counts(); retries != 3 {
		t.Fatalf("retries = %d", retries)
	}
}

func TestOperatorGivesUpAtTheRetryTimeout(t *testing.T) {
	o, slept := newTestOperator(ErrorPolicy{RetryTimeout: time.Second, MaxDelay: time.Minute})
	err := o.Execute(context.Background(), &Failure{Stage: StageTaskPut, Plugin: "jdbc"}, func() error {
		return connect.Retriable(errors.New("database down"))
	})
	if err == nil || !strings.Contains(err.Error(), "retries") || !connect.IsRetriable(err) {
		t.Fatalf("err = %v", err)
	}
	var total time.Duration
	for _, d := range *slept {
		total += d
	}
	if total != time.Second {
		t.Fatalf("waited %v in all (%v), want exactly the 1s timeout", total, *slept)
	}
}

func TestOperatorDoesNotRetryWithoutTimeoutOrForNonRetriable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy ErrorPolicy
		err    error
	}{
		{"retry.timeout 0", ErrorPolicy{MaxDelay: time.Second}, connect.Retriable(errors.New("x"))},
		{"non-retriable", ErrorPolicy{RetryTimeout: time.Hour, MaxDelay: time.Second}, errors.New("x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, slept := newTestOperator(tc.policy)
			calls := 0
			_ = o.Execute(context.Background(), &Failure{Stage: StageTaskPut}, func() error { calls++; return tc.err })
			if calls != 1 || len(*slept) != 0 {
				t.Fatalf("%d calls, %d waits", calls, len(*slept))
			}
		})
	}
}

func TestOperatorStopsRetryingWhenCancelled(t *testing.T) {
	o := NewOperator(ErrorPolicy{RetryTimeout: -1, MaxDelay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := o.Execute(ctx, &Failure{Stage: StageKafkaProduce}, func() error { return connect.Retriable(errors.New("broker down")) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestBackoffJittersBelowTheCap(t *testing.T) {
	o := NewOperator(ErrorPolicy{MaxDelay: time.Second})
	for attempt := 0; attempt < 20; attempt++ {
		if d := o.backoff(attempt); d <= 0 || d > time.Second {
			t.Fatalf("backoff(%d) = %v", attempt, d)
		}
	}
}

func TestLogReporterIncludesMessagesOnlyWhenAsked(t *testing.T) {
	f := Failure{Task: TaskID{"orders", 2}, Stage: StageValueConverter, Plugin: "json", Err: errors.New("bad json"),
		Original: &Original{Topic: "t", Partition: 1, Offset: 7, Value: []byte("secret-payload")}}
	for _, include := range []bool{false, true} {
		var buf bytes.Buffer
		r := &LogReporter{Logger: slog.New(slog.NewTextHandler(&buf, nil)), IncludeMessages: include}
		if err := r.Report(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		line := buf.String()
		for _, want := range []string{"connector=orders", "task=2", "stage=VALUE_CONVERTER", "topic=t", "offset=7", "bad json"} {
			if !strings.Contains(line, want) {
				t.Errorf("log line lacks %q: %s", want, line)
			}
		}
		if strings.Contains(line, "secret-payload") != include {
			t.Errorf("include.messages=%v but payload shown=%v: %s", include, !include, line)
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
