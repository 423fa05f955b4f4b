package datagen

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The config keys, and the source partition and offset fields.
const (
	keyTopic     = "topic"
	keyShape     = "shape"
	keyRate      = "rate"
	keyCount     = "count"
	keySeed      = "seed"
	keyValueSize = "value.size"
	keyBatchSize = "batch.size"
	keyTaskIndex = "task.index"
	keyTaskCount = "task.count"

	partitionField = "datagen"
	taskField      = "task"
	positionField  = "position"
)

// maxBatchBytes bounds the values of the bytes and string shapes that one
// Poll returns.
const maxBatchBytes = 64 << 20

// The shapes of the records.
const (
	shapeOrders = "orders"
	shapeBytes  = "bytes"
	shapeString = "string"
)

// singleTopic refuses a list of topics: the records go to one topic.
var singleTopic = config.ValidatorFunc{Desc: "a single topic name", Fn: func(v any) error {
	if s, _ := v.(string); strings.Contains(s, ",") {
		return fmt.Errorf("datagen writes to a single topic, not a list")
	}
	return nil
}}

var connectorDef = config.NewDef(
	config.Key{Name: keyTopic, Type: config.String, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty(), singleTopic},
		Doc:        "The topic to write the records to."},
	config.Key{Name: keyShape, Type: config.String, Default: shapeOrders, Importance: config.High,
		Validators: []config.Validator{config.OneOf(shapeOrders, shapeBytes, shapeString)},
		Doc: "What the records look like. orders: an INT64 key (the order id) and a Struct value " +
			"(id, customer_id, sku, description, status, amount, paid, note, created_at, quantity). " +
			"bytes: no key and a BYTES value of value.size bytes, whose first 8 hold the record number. " +
			"string: no key and a STRING value of value.size ASCII characters, starting with the record number."},
	config.Key{Name: keyRate, Type: config.Double, Default: 10.0, Importance: config.High,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "Records per second, for the connector as a whole (each of n tasks makes rate/n). " +
			"0 means as fast as the runtime takes them. The default, 10, makes a gentle stream for a demo; " +
			"set 0 for benchmarks."},
	config.Key{Name: keyCount, Type: config.Long, Default: int64(0), Importance: config.Medium,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "How many records the connector makes in all, after which its tasks idle. 0 means no end."},
	config.Key{Name: keySeed, Type: config.Long, Default: int64(1), Importance: config.Medium,
		Doc: "The seed the records derive from: the same seed gives the same records."},
	config.Key{Name: keyValueSize, Type: config.Int, Default: 100, Importance: config.Medium,
		Validators: []config.Validator{config.Between(1, 16<<20)},
		Doc: "The size in bytes of the values of the bytes and string shapes. A poll returns at most " +
			"64 MiB of such values, fewer than batch.size records if need be."},
	config.Key{Name: keyBatchSize, Type: config.Int, Default: 1000, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "The most records a task returns from one poll."},
)

// taskDef adds the keys the connector sets in each task's config.
var taskDef = connectorDef.With(
	config.Key{Name: keyTaskIndex, Type: config.Int, Default: 0, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "Set by the connector: the task's number, from 0."},
	config.Key{Name: keyTaskCount, Type: config.Int, Default: 1, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "Set by the connector: how many tasks share the stream."},
)

func init() {
	connect.RegisterSource("datagen", func() connect.SourceConnector { return &connector{} })
}

// connector splits the stream of records among tasks: with n tasks, task
// i makes the records numbered i, i+n, i+2n, ... (below count, if count
// is set), each at rate/n records per second. A task's position is kept
// per task number and task count, so a change of tasks.max starts the
// stream again from record 0 rather than leaving gaps or repeats.
type connector struct {
	props map[string]string
	count int64
}

// ConfigDef returns the keys datagen accepts.
func (c *connector) ConfigDef() *config.Def { return connectorDef }

// Start checks the config.
func (c *connector) Start(_ connect.ConnectorContext, props map[string]string) error {
	v, err := connectorDef.Parse(props)
	if err != nil {
		return err
	}
	c.props, c.count = maps.Clone(props), v.Long(keyCount)
	return nil
}

// TaskConfigs returns maxTasks task configs, or count of them if count is
// set and smaller, each with its task.index and task.count.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	n := max(maxTasks, 1)
	if c.count > 0 && c.count < int64(n) {
		n = int(c.count)
	}
	configs := make([]map[string]string, n)
	for i := range configs {
		cfg := maps.Clone(c.props)
		cfg[keyTaskIndex] = strconv.Itoa(i)
		cfg[keyTaskCount] = strconv.Itoa(n)
		configs[i] = cfg
	}
	return configs, nil
}

// Stop does nothing.
func (c *connector) Stop() error { return nil }

// NewTask returns a task that makes records.
func (c *connector) NewTask() connect.SourceTask { return &task{} }

// task makes its share of the stream. Its records carry the source
// partition {"datagen": topic, "task": "i/n"}, and the last record of each
// Poll the offset {"position": int64 number of the record after it}; Start
// resumes from the committed position. Record timestamps are the wall
// clock at Poll; everything else in a record derives from (seed, number).
//
// One offset per Poll rather than per record: an offset map costs more
// than the rest of a bytes record, and the runtime commits the newest
// offset of the records that Kafka has with every record before them, a
// record without offset committing nothing of its own. A clean stop sends every polled record, so the
// next run goes on exactly where this one stopped; after a crash it starts
// again at the first Poll not wholly in Kafka, sending again what Kafka
// already had of it (at least once).
type task struct {
	topic     string
	batchSize int
	count     int64   // 0: no end
	rate      float64 // this task's records per second; 0: no limit
	next      int64   // the number of the next record to make
	step      int64   // the task count: the distance between this task's records
	partition map[string]any
	shape     shape

	// The rate schedule: record k after start is due at start + k/rate.
	start time.Time
	sent  int64

	stop     chan struct{}
	stopOnce sync.Once
}

// Start reads the config and the committed position.
func (t *task) Start(ctx connect.SourceTaskContext, props map[string]string) error {
	v, err := taskDef.Parse(props)
	if err != nil {
		return err
	}
	index, tasks := int64(v.Int(keyTaskIndex)), int64(v.Int(keyTaskCount))
	if index >= tasks {
		return fmt.Errorf("datagen: task.index %d is not below task.count %d", index, tasks)
	}
	t.topic, t.batchSize, t.count = v.String(keyTopic), v.Int(keyBatchSize), v.Long(keyCount)
	t.rate, t.step = v.Double(keyRate)/float64(tasks), tasks
	t.shape = newShape(v.String(keyShape), uint64(v.Long(keySeed)), v.Int(keyValueSize))
	if v.String(keyShape) != shapeOrders {
		t.batchSize = min(t.batchSize, max(1, maxBatchBytes/v.Int(keyValueSize)))
	}
	t.partition = map[string]any{partitionField: t.topic, taskField: fmt.Sprintf("%d/%d", index, tasks)}
	t.stop = make(chan struct{})

	pos, err := committedPosition(ctx, t.partition)
	if err != nil {
		return err
	}
	// The first of this task's records at or after the position.
	t.next = pos + ((index-pos%tasks)+tasks)%tasks
	return nil
}

// committedPosition returns the position of the committed offset, or 0.
func committedPosition(ctx connect.SourceTaskContext, partition map[string]any) (int64, error) {
	if ctx == nil || ctx.Offsets() == nil {
		return 0, nil
	}
	off, err := ctx.Offsets().Offset(partition)
	if err != nil {
		return 0, fmt.Errorf("datagen: cannot read the committed offset of %v: %w", partition, err)
	}
	raw := off[positionField]
	if raw == nil {
		return 0, nil
	}
	pos, ok := connect.OffsetInt64(raw)
	if !ok || pos < 0 {
		return 0, fmt.Errorf("datagen: the committed offset of %v has position %v (%T), not a record number", partition, raw, raw)
	}
	return pos, nil
}

// Poll returns the next records: batch.size of them without a rate, else
// those due by now (at most batch.size), waiting for the next one when
// none is due. Once the task has made its share of count records, Poll
// waits until ctx is done or Stop is called; then it returns nil, nil.
func (t *task) Poll(ctx context.Context) ([]*connect.Record, error) {
	for {
		k := int64(t.batchSize)
		if t.count > 0 {
			if t.next >= t.count {
				t.sleep(ctx, -1)
				return nil, nil
			}
			k = min(k, (t.count-t.next+t.step-1)/t.step)
		}
		if t.rate > 0 {
			due, wait := t.due(time.Now())
			if due == 0 {
				if !t.sleep(ctx, wait) {
					return nil, nil
				}
				continue
			}
			k = min(k, due)
		}
		return t.make(int(k)), nil
	}
}

// due returns how many records are due at now, or, when none is, how long
// until the next one is. A task that fell more than a second behind (the
// runtime did not poll) starts its schedule again at now rather than
// catching up in a burst.
func (t *task) due(now time.Time) (int64, time.Duration) {
	if t.start.IsZero() {
		t.start = now
	}
	due := int64(now.Sub(t.start).Seconds()*t.rate) + 1 - t.sent
	if float64(due) > t.rate+1 {
		t.start, t.sent, due = now, 0, 1
	}
	if due > 0 {
		return due, 0
	}
	next := t.start.Add(time.Duration(float64(t.sent) / t.rate * float64(time.Second)))
	return 0, next.Sub(now)
}

// sleep waits for d (forever if d < 0), ctx or Stop. It reports whether d
// passed.
func (t *task) sleep(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
		return false
	case <-t.stop:
		return false
	}
}

// make returns the next k records.
func (t *task) make(k int) []*connect.Record {
	recs := make([]*connect.Record, k)
	// One allocation for the batch's records; each is still the
	// runtime's alone, and a record kept keeps its batch's slab alive.
	slab := make([]connect.Record, k)
	now := time.UnixMilli(time.Now().UnixMilli())
	for i := range slab {
		r := &slab[i]
		r.Topic = t.topic
		r.Timestamp = now
		// The partition map is shared by every record: nobody writes it.
		r.SourcePartition = t.partition
		recs[i] = r
	}
	if k > 0 {
		// The position after the batch's last record (see task).
		slab[k-1].SourceOffset = map[string]any{positionField: t.next + int64(k-1)*t.step + 1}
	}
	t.shape.fill(slab, t.next, t.step)
	t.next += int64(k) * t.step
	t.sent += int64(k)
	return recs
}

// Stop makes a waiting Poll return.
func (t *task) Stop() error {
	t.stopOnce.Do(func() {
		if t.stop != nil {
			close(t.stop)
		}
	})
	return nil
}
