package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

// DistributedConfig configures a Distributed herder.
type DistributedConfig struct {
	// WorkerProps are the worker's properties, references resolved:
	// group.id and the internal topics (see OpenKafkaStores), the group
	// timeouts (session.timeout.ms, heartbeat.interval.ms,
	// rebalance.timeout.ms, group.instance.id), and what the runtime
	// reads.
	WorkerProps map[string]string
	// Stores are the cluster's internal topics, open and read.
	Stores *KafkaStores
	// Resolver expands config provider references in connector configs
	// when they start; nil uses them as stored.
	Resolver *config.Resolver
	// WorkerID names this worker in the group, the assignment and the
	// statuses: its advertised host:port. Unique in the cluster.
	WorkerID string
	Metrics  *runtime.Metrics
	Logger   *slog.Logger
}

// Distributed is the herder of a worker in a cluster: the workers with
// the same group.id share the connectors and tasks, through Kafka only.
//
//   - Every change a client asks for (a config, a target state, a
//     restart) is a record in the configs topic. Any worker takes any
//     request: it writes the record and answers once it has read it back,
//     so the caller reads its own write from every worker that has caught
//     up, and a read first catches up with the topic.
//   - The workers are the members of a Kafka consumer group (membership);
//     the member the group gives the configs topic's one partition leads.
//     The leader lists the members, assigns every connector instance and
//     task with Assign (balanced, sticky: a join or a leave moves only
//     what must move) and writes the assignment to the configs topic with
//     a rising epoch.
//   - Each worker applies the newest assignment to itself: it stops what
//     it lost, then starts what it gained, and keeps everything else
//     running. A task that moved from a live worker starts once that
//     worker has reported it stopped (its offsets committed), so a source
//     task never runs twice at once in a handover.
//   - The worker that runs a connector instance generates its task configs
//     and writes them to the configs topic; the leader then assigns the
//     tasks.
//   - Statuses go to the status topic, where every worker reads them.
//
// A worker that dies stops heartbeating; after session.timeout.ms the
// group drops it and the leader assigns its work to the others (a dead
// leader's partition goes to another member, which leads from then on).
type Distributed struct {
	cfg             DistributedConfig
	stores          *KafkaStores
	worker          *runtime.Worker
	member          *membership
	log             *slog.Logger
	shutdownTimeout time.Duration
	topicTracking   bool
	topicReset      bool

	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	started atomic.Bool
	// joined turns true once an assignment names this worker: it is a
	// member of the cluster and runs its share.
	joined atomic.Bool

	// scheduledDelay is scheduled.rebalance.max.delay.ms: how long the
	// leader holds the work of a worker that left for its return.
	scheduledDelay time.Duration

	// The loop's own state, touched only by the loop goroutine.
	lost    map[string]time.Time // workers of the assignment that left the group, and since when
	conns   map[string]*runningConnector
	tasks   map[runtime.TaskID]runningTask
	handled map[string]int64 // restart requests handled, by connector (or connector-task)
	waiting map[runtime.TaskID]time.Time
}

// runningConnector is a connector instance this worker runs (or tried to).
type runningConnector struct {
	config map[string]string // as stored
	failed error
}

// runningTask is a task this worker runs, with the configs it started
// with.
type runningTask struct {
	connector map[string]string // the connector's config, as stored
	task      map[string]string
}

var _ rest.Herder = (*Distributed)(nil)

// NewDistributed builds the herder over open stores. Call Start.
func NewDistributed(cfg DistributedConfig) (*Distributed, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	hs, err := readHerderSettings(cfg.WorkerProps)
	if err != nil {
		return nil, err
	}
	timeout, tracking, reset := hs.shutdownTimeout, hs.topicTracking, hs.topicReset
	if strings.TrimSpace(cfg.WorkerID) == "" {
		return nil, errors.New("cluster: a distributed worker needs a worker ID")
	}
	var delay time.Duration
	if s := strings.TrimSpace(cfg.WorkerProps[ScheduledRebalanceDelayKey]); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms < 0 {
			return nil, fmt.Errorf("cluster: Invalid value %s for configuration %s: Value must be at least 0", s, ScheduledRebalanceDelayKey)
		}
		delay = time.Duration(ms) * time.Millisecond
	}
	d := &Distributed{
		cfg: cfg, stores: cfg.Stores, log: log.With("worker", cfg.WorkerID), shutdownTimeout: timeout,
		topicTracking: tracking, topicReset: reset, scheduledDelay: delay, lost: map[string]time.Time{},
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		conns: map[string]*runningConnector{}, tasks: map[runtime.TaskID]runningTask{},
		handled: map[string]int64{}, waiting: map[runtime.TaskID]time.Time{},
	}
	wc := runtime.WorkerConfig{Props: cfg.WorkerProps, Offsets: cfg.Stores.Offsets, Metrics: cfg.Metrics, Logger: log,
		OnStatus: d.onStatus}
	if tracking {
		wc.OnTopic = func(id runtime.TaskID, topic string) {
			d.stores.Statuses.PutTopic(TopicUse{Topic: topic, Connector: id.Connector, Task: id.Task, Discovered: time.Now()})
		}
	}
	d.worker = runtime.NewWorker(wc)
	return d, nil
}

func (d *Distributed) onStatus(id runtime.TaskID, s runtime.Status) {
	st := Status{State: rest.State(s.State), WorkerID: d.cfg.WorkerID}
	if s.Err != nil {
		st.Trace = s.Err.Error()
		d.log.Error("task failed", "connector", id.Connector, "task", id.Task, "error", s.Err)
	}
	d.stores.Statuses.PutTask(id, st)
}

// poke wakes the loop; it never blocks.
func (d *Distributed) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Start joins the group and starts applying assignments. Restart
// requests already in the configs topic are history: they are not
// carried out again.
func (d *Distributed) Start(ctx context.Context) error {
	if err := d.stores.Configs.Sync(ctx); err != nil {
		return err
	}
	for _, r := range d.stores.Configs.Snapshot().Restarts {
		d.handled[restartKey(r)] = r.Seq
	}
	d.stores.Configs.SetOnChange(d.poke)
	d.stores.Statuses.SetOnRead(d.poke)
	m, err := joinGroup(d.cfg.WorkerProps, d.cfg.WorkerProps[ConfigTopicKey], d.cfg.WorkerID, d.poke)
	if err != nil {
		return err
	}
	d.member = m
	go d.loop()
	d.started.Store(true)
	d.log.Info("distributed herder started", "group", d.cfg.WorkerProps[GroupIDKey])
	return nil
}

// Stop stops this worker's tasks (each committing its offsets) and
// connectors, then leaves the group, so that the others take the work
// over from committed offsets.
func (d *Distributed) Stop() {
	if !d.started.Swap(false) {
		return
	}
	close(d.quit)
	<-d.done
	d.worker.Stop(d.shutdownTimeout)
	d.member.Leave()
	d.stores.Configs.SetOnChange(nil)
	d.stores.Statuses.SetOnRead(nil)
	d.log.Info("distributed herder stopped")
}

// ScheduledRebalanceDelayKey is Kafka Connect's
// scheduled.rebalance.max.delay.ms: how long the work of a worker that
// left the group is held for it before it goes to the others. Kafka
// Connect waits 5 minutes by default; Sluice's default is 0, so work
// fails over within session.timeout.ms, and static membership
// (group.instance.id) covers a quick restart: the group keeps a static
// member's place for session.timeout.ms without a rebalance.
const ScheduledRebalanceDelayKey = "scheduled.rebalance.max.delay.ms"

// tickInterval is how often the loop looks at the group and the stores
// without being woken.
const tickInterval = 500 * time.Millisecond

func (d *Distributed) loop() {
	defer close(d.done)
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-d.quit:
			return
		case <-d.wake:
		case <-t.C:
		}
		d.tick()
	}
}

// tick brings this worker in line with the stores: as leader, it assigns
// the work; as every worker, it carries out restart requests and its
// share of the newest assignment.
func (d *Distributed) tick() {
	snap := d.stores.Configs.Snapshot()
	var members []string
	if d.member.Leader() {
		members = d.lead(snap)
	}
	mine := map[WorkID]bool{}
	if share, ok := snap.Assignment.Workers[d.cfg.WorkerID]; ok {
		if !d.joined.Swap(true) {
			d.log.Info("joined the cluster", "epoch", snap.Assignment.Epoch, "leader", snap.Assignment.Leader)
		}
		for _, w := range share.Work {
			mine[WorkID{Connector: w.Connector, Task: w.Task}] = true
		}
	}
	d.restarts(snap)
	d.apply(snap, mine, members)
}

// unitsOf lists every unit of work the connectors make: each connector
// instance, and each task of a connector that is not STOPPED.
func unitsOf(snap ConfigSnapshot) []WorkID {
	var out []WorkID
	for name, c := range snap.Connectors {
		out = append(out, WorkID{Connector: name, Task: -1})
		if c.Target != rest.TargetStopped {
			for i := range c.Tasks {
				out = append(out, WorkID{Connector: name, Task: i})
			}
		}
	}
	return out
}

func assignmentOf(a StoredAssignment) Assignment {
	out := Assignment{}
	for w, share := range a.Workers {
		for _, u := range share.Work {
			out[w] = append(out[w], WorkID{Connector: u.Connector, Task: u.Task})
		}
	}
	return out
}

// lead assigns the work to the group's members and writes the
// assignment when it changed. It returns the members.
func (d *Distributed) lead(snap ConfigSnapshot) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	members, err := d.member.Members(ctx)
	if err != nil || !slices.Contains(members, d.cfg.WorkerID) {
		if err != nil {
			d.log.Warn("cannot list the cluster's workers", "error", err)
		}
		return nil
	}
	current := assignmentOf(snap.Assignment)
	// A worker that left keeps its share, unrun, for up to
	// scheduled.rebalance.max.delay.ms, in case it comes back.
	holding := slices.Clone(members)
	for w := range current {
		if slices.Contains(members, w) {
			delete(d.lost, w)
			continue
		}
		since, ok := d.lost[w]
		if !ok {
			since = time.Now()
			d.lost[w] = since
		}
		if time.Since(since) < d.scheduledDelay {
			holding = append(holding, w)
		}
	}
	for w := range d.lost {
		if _, ok := current[w]; !ok {
			delete(d.lost, w)
		}
	}
	next := Assign(holding, unitsOf(snap), current)
	// Written when the work moves, and when the workers change even if
	// the work does not (a worker that joins with nothing to do is named,
	// which is how it learns it is in the cluster).
	sameWorkers := len(snap.Assignment.Workers) == len(holding)
	for _, w := range holding {
		if _, ok := snap.Assignment.Workers[w]; !ok {
			sameWorkers = false
		}
	}
	if snap.Assignment.Leader == d.cfg.WorkerID && sameWorkers && reflect.DeepEqual(normalize(next), normalize(current)) {
		return members
	}
	// The work of workers that left shows UNASSIGNED until its new owner
	// starts it.
	for w, units := range current {
		if slices.Contains(holding, w) {
			continue
		}
		for _, u := range units {
			st := Status{State: rest.StateUnassigned, WorkerID: w}
			if u.Task < 0 {
				d.stores.Statuses.PutConnector(u.Connector, st)
			} else {
				d.stores.Statuses.PutTask(runtime.TaskID{Connector: u.Connector, Task: u.Task}, st)
			}
		}
	}
	stored := StoredAssignment{Epoch: snap.Assignment.Epoch + 1, Leader: d.cfg.WorkerID, Workers: map[string]WorkerShare{}}
	for _, w := range holding {
		share := WorkerShare{Work: []StoredWork{}}
		for _, u := range next[w] {
			share.Work = append(share.Work, StoredWork{Connector: u.Connector, Task: u.Task})
		}
		stored.Workers[w] = share
	}
	if err := d.stores.Configs.PutAssignment(ctx, stored); err != nil {
		d.log.Warn("cannot write the assignment", "error", err)
		return members
	}
	d.log.Info("work assigned", "epoch", stored.Epoch, "workers", len(members), "moved", current.Moved(next))
	return members
}

// normalize drops workers with no work, for comparing assignments.
func normalize(a Assignment) Assignment {
	out := Assignment{}
	for w, units := range a {
		if len(units) > 0 {
			s := slices.Clone(units)
			slices.SortFunc(s, func(x, y WorkID) int {
				if c := strings.Compare(x.Connector, y.Connector); c != 0 {
					return c
				}
				return x.Task - y.Task
			})
			out[w] = s
		}
	}
	return out
}

func restartKey(r RestartRequest) string {
	if r.Task >= 0 {
		return r.Connector + "-" + strconv.Itoa(r.Task)
	}
	return r.Connector
}

// restarts carries out the restart requests not yet handled, for the
// instances that run here: it stops them, and apply starts them again.
func (d *Distributed) restarts(snap ConfigSnapshot) {
	for _, r := range snap.Restarts {
		key := restartKey(r)
		if r.Seq <= d.handled[key] {
			continue
		}
		d.handled[key] = r.Seq
		if r.Task >= 0 {
			id := runtime.TaskID{Connector: r.Connector, Task: r.Task}
			if _, ok := d.tasks[id]; ok {
				d.log.Info("restarting task", "connector", r.Connector, "task", r.Task)
				d.stopTask(id)
			}
			continue
		}
		if c, ok := d.conns[r.Connector]; ok {
			st, _ := d.stores.Statuses.Connector(r.Connector)
			if !r.OnlyFailed || c.failed != nil || st.State == rest.StateFailed {
				d.log.Info("restarting connector", "connector", r.Connector)
				d.stopConnector(r.Connector)
			}
		}
		if !r.IncludeTasks {
			continue
		}
		for id := range d.tasks {
			if id.Connector != r.Connector {
				continue
			}
			st, _ := d.worker.TaskStatus(id)
			if !r.OnlyFailed || st.State == runtime.StateFailed {
				d.log.Info("restarting task", "connector", id.Connector, "task", id.Task)
				d.stopTask(id)
			}
		}
	}
}

func (d *Distributed) stopTask(id runtime.TaskID) {
	d.worker.StopTask(id, d.shutdownTimeout)
	delete(d.tasks, id)
}

func (d *Distributed) stopConnector(name string) {
	if err := d.worker.StopConnector(name); err != nil {
		d.log.Warn("connector did not stop cleanly", "connector", name, "error", err)
	}
	delete(d.conns, name)
}

// apply runs exactly this worker's share of the assignment: it stops what
// it no longer owns (or whose config changed), then starts what it owns
// and does not run.
func (d *Distributed) apply(snap ConfigSnapshot, mine map[WorkID]bool, members []string) {
	// Stop first: tasks, then connector instances.
	var stopping []runtime.TaskID
	for id, rt := range d.tasks {
		c, ok := snap.Connectors[id.Connector]
		switch {
		case !ok, !mine[WorkID{Connector: id.Connector, Task: id.Task}], c.Target == rest.TargetStopped,
			id.Task >= len(c.Tasks), !reflect.DeepEqual(rt.task, c.Tasks[id.Task]), !reflect.DeepEqual(rt.connector, c.Config):
			stopping = append(stopping, id)
		}
	}
	var wg sync.WaitGroup
	for _, id := range stopping {
		wg.Go(func() { d.worker.StopTask(id, d.shutdownTimeout) })
	}
	wg.Wait()
	for _, id := range stopping {
		delete(d.tasks, id)
	}
	for name, rc := range d.conns {
		c, ok := snap.Connectors[name]
		if !ok || !mine[WorkID{Connector: name, Task: -1}] || !reflect.DeepEqual(rc.config, c.Config) ||
			c.Target == rest.TargetStopped {
			d.stopConnector(name)
		}
	}

	// Connector instances: start, generate task configs, report.
	for name, c := range snap.Connectors {
		if !mine[WorkID{Connector: name, Task: -1}] {
			continue
		}
		rc, running := d.conns[name]
		if !running {
			// A STOPPED connector's instance does not run: it only
			// reports its state.
			rc = &runningConnector{config: c.Config}
			if c.Target != rest.TargetStopped {
				d.conns[name] = rc
				d.startConnector(name, c, rc)
			}
		}
		d.reportConnector(name, c, rc)
	}

	// Tasks.
	for w := range mine {
		if w.Task < 0 {
			continue
		}
		id := runtime.TaskID{Connector: w.Connector, Task: w.Task}
		c, ok := snap.Connectors[w.Connector]
		if _, running := d.tasks[id]; running || !ok || c.Target == rest.TargetStopped || w.Task >= len(c.Tasks) {
			continue
		}
		if !d.handedOver(id, &members) {
			continue
		}
		resolved, err := d.resolve(c.Config)
		if err == nil {
			applyTarget(d.worker, w.Connector, c.Target)
			err = d.worker.StartTask(id, resolved, c.Tasks[w.Task])
		}
		d.tasks[id] = runningTask{connector: c.Config, task: c.Tasks[w.Task]}
		if err != nil {
			d.log.Error("task failed to start", "connector", id.Connector, "task", id.Task, "error", err)
			d.stores.Statuses.PutTask(id, Status{State: rest.StateFailed, Trace: err.Error(), WorkerID: d.cfg.WorkerID})
		}
	}
	// Target states of the tasks that run here.
	for id := range d.tasks {
		if c, ok := snap.Connectors[id.Connector]; ok {
			applyTarget(d.worker, id.Connector, c.Target)
		}
	}
}

// handoverWait bounds how long a task waits for its previous owner, a
// live member, to report it stopped.
func (d *Distributed) handoverWait() time.Duration { return d.shutdownTimeout + 10*time.Second }

// handedOver reports whether task id may start here: no other live
// worker reports it RUNNING or PAUSED (its previous owner has stopped it),
// or it has waited too long for that. *members is the group's workers;
// when nil, they are asked for once and kept there for the next task.
func (d *Distributed) handedOver(id runtime.TaskID, members *[]string) bool {
	st, ok := d.stores.Statuses.Task(id)
	if !ok || st.WorkerID == d.cfg.WorkerID || (st.State != rest.StateRunning && st.State != rest.StatePaused) {
		delete(d.waiting, id)
		return true
	}
	if *members == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		m, err := d.member.Members(ctx)
		cancel()
		if err != nil {
			return false
		}
		*members = m
	}
	if !slices.Contains(*members, st.WorkerID) {
		delete(d.waiting, id)
		return true
	}
	since, ok := d.waiting[id]
	if !ok {
		d.waiting[id] = time.Now()
		return false
	}
	if time.Since(since) > d.handoverWait() {
		d.log.Warn("starting a task its previous owner has not reported stopped", "connector", id.Connector, "task", id.Task,
			"previous", st.WorkerID)
		delete(d.waiting, id)
		return true
	}
	return false
}

func (d *Distributed) resolve(cfg map[string]string) (map[string]string, error) {
	return resolveWith(d.cfg.Resolver, cfg)
}

// startConnector starts a connector instance and writes its task configs
// when they differ from the stored ones.
func (d *Distributed) startConnector(name string, c StoredConnector, rc *runningConnector) {
	resolved, err := d.resolve(c.Config)
	var taskConfigs []map[string]string
	if err == nil {
		taskConfigs, err = d.worker.StartConnector(name, resolved)
	}
	if err != nil {
		d.log.Error("connector failed to start", "connector", name, "error", err)
		rc.failed = err
		return
	}
	if reflect.DeepEqual(taskConfigs, c.Tasks) || (len(taskConfigs) == 0 && len(c.Tasks) == 0) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Tasks that no longer exist are fenced before the new generation is
	// written, so none of their zombies commits after it.
	if err := d.worker.FenceRemovedTasks(ctx, name, resolved, len(taskConfigs), len(c.Tasks)); err != nil {
		d.log.Error("cannot fence the connector's removed tasks; its task configs are not changed", "connector", name, "error", err)
		rc.failed = err
		return
	}
	if err := d.stores.Configs.PutTaskConfigs(ctx, name, taskConfigs); err != nil {
		d.log.Error("task configs not stored", "connector", name, "error", err)
	}
}

// reportConnector writes the state of a connector instance that runs
// here.
func (d *Distributed) reportConnector(name string, c StoredConnector, rc *runningConnector) {
	st := Status{State: rest.StateRunning, WorkerID: d.cfg.WorkerID}
	switch {
	case rc.failed != nil:
		st.State, st.Trace = rest.StateFailed, rc.failed.Error()
	case c.Target == rest.TargetStopped:
		st.State = rest.StateStopped
	case c.Target == rest.TargetPaused:
		st.State = rest.StatePaused
	}
	d.stores.Statuses.PutConnector(name, st)
}

// The REST API.

// snapshot catches up with the configs topic and returns its view.
func (d *Distributed) snapshot(ctx context.Context) (ConfigSnapshot, error) {
	if err := d.stores.Configs.Sync(ctx); err != nil {
		return ConfigSnapshot{}, err
	}
	return d.stores.Configs.Snapshot(), nil
}

func (d *Distributed) connector(ctx context.Context, name string) (StoredConnector, error) {
	snap, err := d.snapshot(ctx)
	if err != nil {
		return StoredConnector{}, err
	}
	c, ok := snap.Connectors[name]
	if !ok {
		return StoredConnector{}, notFound(name)
	}
	return c, nil
}

// KafkaClusterID implements rest.Herder.
func (d *Distributed) KafkaClusterID(ctx context.Context) (string, error) {
	return kafkaClusterID(ctx, d.cfg.WorkerProps)
}

// Health implements rest.Herder: healthy once the worker has read the
// stores and an assignment of its group names it, and while its group
// membership holds.
func (d *Distributed) Health(context.Context) rest.WorkerStatus {
	if !d.started.Load() || !d.joined.Load() {
		return rest.WorkerStatus{Status: rest.Starting, Message: "Worker is still starting up."}
	}
	d.member.mu.Lock()
	err := d.member.err
	d.member.mu.Unlock()
	if err != nil {
		return rest.WorkerStatus{Status: rest.Unhealthy, Message: "Worker has lost its group membership: " + err.Error()}
	}
	return rest.WorkerStatus{Status: rest.Healthy, Message: "Worker has completed startup and is ready to handle requests."}
}

// Connectors implements rest.Herder.
func (d *Distributed) Connectors(ctx context.Context) ([]string, error) {
	snap, err := d.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Collect(maps.Keys(snap.Connectors)), nil
}

func infoOf(name string, c StoredConnector) rest.ConnectorInfo {
	info := rest.ConnectorInfo{Name: name, Config: maps.Clone(c.Config), Tasks: []rest.TaskID{}, Type: connectorType(c.Config)}
	if c.Target != rest.TargetStopped {
		for i := range c.Tasks {
			info.Tasks = append(info.Tasks, rest.TaskID{Connector: name, Task: i})
		}
	}
	return info
}

// ConnectorInfo implements rest.Herder.
func (d *Distributed) ConnectorInfo(ctx context.Context, name string) (rest.ConnectorInfo, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	return infoOf(name, c), nil
}

// ConnectorConfig implements rest.Herder.
func (d *Distributed) ConnectorConfig(ctx context.Context, name string) (map[string]string, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return nil, err
	}
	return c.Config, nil
}

func (d *Distributed) taskState(name string, i int) rest.TaskState {
	s, ok := d.stores.Statuses.Task(runtime.TaskID{Connector: name, Task: i})
	if !ok {
		return rest.TaskState{ID: i, State: rest.StateUnassigned}
	}
	return rest.TaskState{ID: i, State: s.State, Trace: s.Trace, WorkerID: s.WorkerID}
}

func (d *Distributed) statusOf(name string, c StoredConnector) rest.ConnectorStateInfo {
	st := rest.ConnectorStateInfo{Name: name, Type: connectorType(c.Config), Tasks: []rest.TaskState{},
		Connector: rest.ConnectorState{State: rest.StateUnassigned}}
	if s, ok := d.stores.Statuses.Connector(name); ok {
		st.Connector = rest.ConnectorState{State: s.State, Trace: s.Trace, WorkerID: s.WorkerID}
	}
	if c.Target != rest.TargetStopped {
		for i := range c.Tasks {
			st.Tasks = append(st.Tasks, d.taskState(name, i))
		}
	}
	return st
}

// ConnectorStatus implements rest.Herder, from the status topic.
func (d *Distributed) ConnectorStatus(ctx context.Context, name string) (rest.ConnectorStateInfo, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	if err := d.stores.Statuses.Sync(ctx); err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	return d.statusOf(name, c), nil
}

// PutConnectorConfig implements rest.Herder.
func (d *Distributed) PutConnectorConfig(ctx context.Context, name string, cfg map[string]string, opts rest.PutOptions) (rest.ConnectorInfo, bool, error) {
	snap, err := d.snapshot(ctx)
	if err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	_, exists := snap.Connectors[name]
	if exists && !opts.AllowReplace {
		return rest.ConnectorInfo{}, false, rest.AlreadyExists("Connector %s already exists", name)
	}
	if !exists && opts.InitialState != "" && opts.InitialState != rest.TargetRunning {
		// The target first: the connector must not start before it.
		if err := d.stores.Configs.PutTarget(ctx, name, opts.InitialState); err != nil {
			return rest.ConnectorInfo{}, false, err
		}
	}
	if err := d.stores.Configs.PutConnector(ctx, name, cfg); err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	c, err := d.connector(ctx, name)
	if err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	d.poke()
	return infoOf(name, c), !exists, nil
}

// PatchConnectorConfig implements rest.Herder. Another worker's write
// can land between this read and write (the last write wins), as with
// Kafka Connect's followers.
func (d *Distributed) PatchConnectorConfig(ctx context.Context, name string, update func(map[string]string) (map[string]string, error)) (rest.ConnectorInfo, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	next, err := update(maps.Clone(c.Config))
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	if err := d.stores.Configs.PutConnector(ctx, name, next); err != nil {
		return rest.ConnectorInfo{}, err
	}
	if c, err = d.connector(ctx, name); err != nil {
		return rest.ConnectorInfo{}, err
	}
	d.poke()
	return infoOf(name, c), nil
}

// DeleteConnector implements rest.Herder; its offsets are kept.
func (d *Distributed) DeleteConnector(ctx context.Context, name string) error {
	c, err := d.connector(ctx, name)
	if err != nil {
		return err
	}
	if err := d.stores.Configs.DeleteConnector(ctx, name); err != nil {
		return err
	}
	d.stores.Statuses.DeleteConnector(name, len(c.Tasks))
	d.poke()
	return nil
}

// RestartConnector implements rest.Herder.
func (d *Distributed) RestartConnector(ctx context.Context, name string) error {
	c, err := d.connector(ctx, name)
	if err != nil {
		return err
	}
	if err := d.held(ctx, name, c, -1); err != nil {
		return err
	}
	return d.stores.Configs.PutRestart(ctx, name, -1, false, false)
}

// rebalanceConflict is Kafka Connect's answer (409) to a request that must
// reach the worker running an instance while no worker runs it.
const rebalanceConflict = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"

// held returns a 409 ConflictError unless a worker of the cluster holds
// the connector instance (task -1) or task: this worker has joined the
// cluster, the newest assignment names the instance, and its status is
// not UNASSIGNED (the leader marks the work of a worker that left the
// group UNASSIGNED until it is assigned again). A restart request for
// such an instance would have no worker to carry it out, so the caller
// is told to retry, as Kafka Connect tells a client whose request it
// cannot forward during a rebalance.
func (d *Distributed) held(ctx context.Context, name string, c StoredConnector, task int) error {
	if !d.joined.Load() {
		return rest.Conflict(rebalanceConflict)
	}
	if c.Target == rest.TargetStopped {
		return nil // nothing runs; the restart is a no-op, as in Kafka Connect
	}
	if !assigned(d.stores.Configs.Snapshot().Assignment, name, task) {
		return rest.Conflict(rebalanceConflict)
	}
	if err := d.stores.Statuses.Sync(ctx); err != nil {
		return err
	}
	var state rest.State
	if task < 0 {
		if s, ok := d.stores.Statuses.Connector(name); ok {
			state = s.State
		}
	} else {
		state = d.taskState(name, task).State
	}
	if state == rest.StateUnassigned {
		return rest.Conflict(rebalanceConflict)
	}
	return nil
}

// assigned tells whether the assignment gives the connector instance
// (task -1) or task to a worker.
func assigned(a StoredAssignment, name string, task int) bool {
	for _, share := range a.Workers {
		for _, w := range share.Work {
			if w.Connector == name && w.Task == task {
				return true
			}
		}
	}
	return false
}

// RestartConnectorAndTasks implements rest.Herder: the request goes to
// the workers that run the instances through the configs topic.
func (d *Distributed) RestartConnectorAndTasks(ctx context.Context, req rest.RestartRequest) (rest.ConnectorStateInfo, error) {
	c, err := d.connector(ctx, req.Connector)
	if err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	if err := d.stores.Statuses.Sync(ctx); err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	st := d.statusOf(req.Connector, c)
	connector, tasks := markRestarting(&st, req)
	if connector {
		if err := d.held(ctx, req.Connector, c, -1); err != nil {
			return rest.ConnectorStateInfo{}, err
		}
	}
	for _, i := range tasks {
		if err := d.held(ctx, req.Connector, c, i); err != nil {
			return rest.ConnectorStateInfo{}, err
		}
	}
	if err := d.stores.Configs.PutRestart(ctx, req.Connector, -1, req.IncludeTasks, req.OnlyFailed); err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	return st, nil
}

// PauseConnector implements rest.Herder.
func (d *Distributed) PauseConnector(ctx context.Context, name string) error {
	return d.setTarget(ctx, name, rest.TargetPaused)
}

// ResumeConnector implements rest.Herder.
func (d *Distributed) ResumeConnector(ctx context.Context, name string) error {
	return d.setTarget(ctx, name, rest.TargetRunning)
}

// StopConnector implements rest.Herder: the task configs are removed
// first, then the target state is written, as Kafka Connect does.
func (d *Distributed) StopConnector(ctx context.Context, name string) error {
	c, err := d.connector(ctx, name)
	if err != nil {
		return err
	}
	if len(c.Tasks) > 0 {
		if err := d.stores.Configs.PutTaskConfigs(ctx, name, nil); err != nil {
			return err
		}
	}
	return d.setTarget(ctx, name, rest.TargetStopped)
}

func (d *Distributed) setTarget(ctx context.Context, name string, target rest.TargetState) error {
	c, err := d.connector(ctx, name)
	if err != nil {
		return err
	}
	if c.Target == target {
		return nil
	}
	if err := d.stores.Configs.PutTarget(ctx, name, target); err != nil {
		return err
	}
	d.poke()
	return nil
}

// TaskConfigs implements rest.Herder.
func (d *Distributed) TaskConfigs(ctx context.Context, name string) ([]rest.TaskInfo, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return nil, err
	}
	out := []rest.TaskInfo{}
	if c.Target != rest.TargetStopped {
		for i, tc := range c.Tasks {
			out = append(out, rest.TaskInfo{ID: rest.TaskID{Connector: name, Task: i}, Config: maps.Clone(tc)})
		}
	}
	return out, nil
}

func (d *Distributed) task(ctx context.Context, id rest.TaskID) (StoredConnector, error) {
	c, err := d.connector(ctx, id.Connector)
	if err != nil {
		return StoredConnector{}, err
	}
	if id.Task < 0 || id.Task >= len(c.Tasks) || c.Target == rest.TargetStopped {
		return StoredConnector{}, rest.NotFound("Task %s-%d not found", id.Connector, id.Task)
	}
	return c, nil
}

// TaskStatus implements rest.Herder, from the status topic.
func (d *Distributed) TaskStatus(ctx context.Context, id rest.TaskID) (rest.TaskState, error) {
	if _, err := d.task(ctx, id); err != nil {
		var nf *rest.NotFoundError
		if errors.As(err, &nf) && !strings.HasPrefix(nf.Message, "Connector ") {
			err = rest.NotFound("No status found for task %s-%d", id.Connector, id.Task)
		}
		return rest.TaskState{}, err
	}
	if err := d.stores.Statuses.Sync(ctx); err != nil {
		return rest.TaskState{}, err
	}
	return d.taskState(id.Connector, id.Task), nil
}

// RestartTask implements rest.Herder: the request reaches the worker that
// runs the task through the configs topic.
func (d *Distributed) RestartTask(ctx context.Context, id rest.TaskID) error {
	c, err := d.task(ctx, id)
	if err != nil {
		return err
	}
	if err := d.held(ctx, id.Connector, c, id.Task); err != nil {
		return err
	}
	return d.stores.Configs.PutRestart(ctx, id.Connector, id.Task, false, false)
}

// ConnectorActiveTopics implements rest.Herder.
func (d *Distributed) ConnectorActiveTopics(ctx context.Context, name string) ([]string, error) {
	if !d.topicTracking {
		return nil, rest.Forbidden(topicTrackingDisabled)
	}
	if _, err := d.connector(ctx, name); err != nil {
		return nil, err
	}
	if err := d.stores.Statuses.Sync(ctx); err != nil {
		return nil, err
	}
	return d.stores.Statuses.Topics(name), nil
}

// ResetConnectorActiveTopics implements rest.Herder.
func (d *Distributed) ResetConnectorActiveTopics(ctx context.Context, name string) error {
	if !d.topicTracking {
		return rest.Forbidden(topicTrackingDisabled)
	}
	if !d.topicReset {
		return rest.Forbidden(topicTrackingResetDisabled)
	}
	if _, err := d.connector(ctx, name); err != nil {
		return err
	}
	d.stores.Statuses.ResetTopics(name)
	return nil
}

func (d *Distributed) offsetAdmin() offsetAdmin {
	return offsetAdmin{props: d.cfg.WorkerProps, store: d.stores.Offsets}
}

// ConnectorOffsets implements rest.Herder.
func (d *Distributed) ConnectorOffsets(ctx context.Context, name string) (rest.ConnectorOffsets, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	return d.offsetAdmin().get(ctx, name, c.Config)
}

// stopped returns the connector if its offsets may change: STOPPED, with
// no task configs left.
func (d *Distributed) stopped(ctx context.Context, name string) (StoredConnector, error) {
	c, err := d.connector(ctx, name)
	if err != nil {
		return StoredConnector{}, err
	}
	if c.Target != rest.TargetStopped || len(c.Tasks) > 0 {
		return StoredConnector{}, rest.BadRequest(offsetsNotStopped, name)
	}
	return c, nil
}

// AlterConnectorOffsets implements rest.Herder.
func (d *Distributed) AlterConnectorOffsets(ctx context.Context, name string, offsets []rest.ConnectorOffset) (rest.Message, error) {
	c, err := d.stopped(ctx, name)
	if err != nil {
		return rest.Message{}, err
	}
	return d.offsetAdmin().alter(ctx, name, c.Config, offsets)
}

// ResetConnectorOffsets implements rest.Herder.
func (d *Distributed) ResetConnectorOffsets(ctx context.Context, name string) (rest.Message, error) {
	c, err := d.stopped(ctx, name)
	if err != nil {
		return rest.Message{}, err
	}
	return d.offsetAdmin().reset(ctx, name, c.Config)
}
