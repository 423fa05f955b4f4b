// Command sluice runs Sluice, a Kafka Connect-style connector framework.
//
// Usage:
//
//	sluice version
//	sluice plugins [list]          list the registered plugins
//	sluice plugins describe NAME   show a plugin's config keys
//	sluice standalone worker.properties connector.properties...
//	                               run a standalone worker with the REST API
//	sluice worker worker.properties
//	                               run a worker with its state in Kafka topics
//	sluice dev                     an embedded broker and a worker
//
// The plugins it knows are the packages it imports: each registers itself
// with the connect registry in its init function.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/cluster"
	_ "github.com/sluicehq/sluice/connect/converters"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
	_ "github.com/sluicehq/sluice/connectors/csv"
	_ "github.com/sluicehq/sluice/connectors/datagen"
	_ "github.com/sluicehq/sluice/connectors/elasticsearch"
	_ "github.com/sluicehq/sluice/connectors/file"
	_ "github.com/sluicehq/sluice/connectors/jdbc"
	_ "github.com/sluicehq/sluice/connectors/mqtt"
	_ "github.com/sluicehq/sluice/connectors/mysqlcdc"
	_ "github.com/sluicehq/sluice/connectors/s3"
	_ "github.com/sluicehq/sluice/connectors/syslog"
	_ "github.com/sluicehq/sluice/transforms"
)

const usage = `sluice: a Kafka Connect-style connector framework in one Go binary.

Usage:
  sluice version                 print the version
  sluice plugins [list]          list connectors, transforms, predicates and converters
  sluice plugins describe NAME   show the config keys of a plugin (name or Kafka Connect class name)
  sluice standalone WORKER.properties [CONNECTOR.properties ...]
                                 run a standalone worker: the connectors, and the REST API on listeners
  sluice worker WORKER.properties
                                 run a worker that keeps configs, offsets and statuses in Kafka topics
  sluice dev [--data-dir DIR] [--listen :8083] [--kafka-listen :9092]
                                 an embedded Kafka-protocol broker and a worker, to try Sluice

Run "sluice COMMAND --help" for a command's flags.
`

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(2)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return nil
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(out, usage)
		return nil
	case "version":
		if len(args) > 1 && isHelp(args[1]) {
			fmt.Fprint(out, "Usage:\n  sluice version\n\nPrints the version of Sluice.\n")
			return nil
		}
		fmt.Fprintln(out, "sluice", connect.Version)
		return nil
	case "plugins":
		return plugins(args[1:], out)
	case "standalone":
		return standalone(args[1:], out)
	case "worker":
		return worker(args[1:], out)
	case "dev":
		return dev(args[1:], out)
	}
	return fmt.Errorf("unknown command %q; run sluice --help", args[0])
}

func plugins(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("plugins", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, "Usage:\n  sluice plugins [list]\n  sluice plugins describe NAME\n")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 2 && isHelp(fs.Arg(1)):
		fs.Usage()
		return nil
	case fs.NArg() == 0 || fs.Arg(0) == "list":
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tNAME\tALIASES")
		for _, p := range connect.Plugins() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Kind, p.Name, strings.Join(p.Aliases, ", "))
		}
		return tw.Flush()
	case fs.Arg(0) == "describe" && fs.NArg() == 2:
		return describe(fs.Arg(1), out)
	}
	fs.Usage()
	return fmt.Errorf("bad arguments to plugins: %q", fs.Args())
}

// isHelp reports whether a command-line argument asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

func describe(name string, out io.Writer) error {
	var found []connect.Plugin
	for _, kind := range []connect.Kind{connect.KindSource, connect.KindSink, connect.KindTransformation,
		connect.KindPredicate, connect.KindConverter, connect.KindHeaderConverter} {
		if p, ok := connect.Lookup(kind, name); ok {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return fmt.Errorf("no plugin named %q; run sluice plugins list", name)
	}
	for _, p := range found {
		fmt.Fprintf(out, "%s %s (version %s)\n", p.Kind, p.Name, p.Version())
		if len(p.Aliases) > 0 {
			fmt.Fprintf(out, "  aliases: %s\n", strings.Join(p.Aliases, ", "))
		}
		def := p.ConfigDef()
		if def == nil {
			continue
		}
		keys := def.Keys()
		sort.SliceStable(keys, func(i, j int) bool { return keys[i].Importance < keys[j].Importance })
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  KEY\tTYPE\tDEFAULT\tIMPORTANCE\tDOC")
		for _, k := range keys {
			def := config.Format(k.Default)
			if k.Required {
				def = "(required)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", k.Name, k.Type, def, k.Importance, k.Doc)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

const standaloneUsage = `Usage:
  sluice standalone WORKER.properties [CONNECTOR.properties ...]

Runs a standalone worker, as Kafka Connect's connect-standalone does: it
creates the connectors of the connector files, serves the REST API on the
worker's listeners (default http://:8083), and on SIGINT or SIGTERM stops
the tasks, committing their source offsets to offset.storage.file.filename.
https listeners take Kafka Connect's listeners.https.ssl.* (PEM) keys;
rest.auth.type=basic with rest.auth.basic.users.file (or
rest.auth.basic.user and .password) makes every request but GET /health
authenticate.

Any worker property can be set from the environment as SLUICE_<KEY>, the key
upper-cased with its dots as underscores: SLUICE_BOOTSTRAP_SERVERS sets
bootstrap.servers. The environment wins over the file.
`

// envPrefix starts the environment variables that set worker properties.
const envPrefix = "SLUICE_"

// envName is the environment variable that sets worker property key.
func envName(key string) string {
	return envPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// applyEnv returns props with the worker properties that environ (as
// os.Environ gives it) sets through SLUICE_ variables. A variable sets
// the property of the file whose envName it is; otherwise the property
// whose name is the variable's lower-cased, with underscores as dots.
func applyEnv(props map[string]string, environ []string) map[string]string {
	out := make(map[string]string, len(props))
	byEnv := make(map[string]string, len(props))
	for k, v := range props {
		out[k] = v
		byEnv[envName(k)] = k
	}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) || len(name) == len(envPrefix) {
			continue
		}
		key, known := byEnv[name]
		if !known {
			key = strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, envPrefix)), "_", ".")
		}
		out[key] = value
	}
	return out
}

func standalone(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("standalone", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, standaloneUsage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return errors.New("standalone: the worker properties file is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runStandalone(ctx, fs.Arg(0), fs.Args()[1:], os.Environ())
}

// runStandalone runs a standalone worker until ctx is done.
func runStandalone(ctx context.Context, workerFile string, connectorFiles, environ []string) error {
	raw, err := config.LoadProperties(workerFile)
	if err != nil {
		return err
	}
	raw = applyEnv(raw, environ)
	resolver, err := config.NewResolver(raw)
	if err != nil {
		return err
	}
	workerProps, err := resolver.Resolve(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", workerFile, err)
	}
	addr, restOpts, err := restServerConfig(workerProps)
	if err != nil {
		return err
	}
	var connectors []map[string]string
	for _, f := range connectorFiles {
		cfg, err := config.LoadProperties(f)
		if err != nil {
			return err
		}
		if err := validateConnector(resolver, cfg); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		connectors = append(connectors, cfg)
	}

	workerID := addr
	if host, port, _ := net.SplitHostPort(addr); host == "" {
		if host, err = os.Hostname(); err == nil {
			workerID = net.JoinHostPort(host, port)
		}
	}
	metrics := runtime.NewMetrics()
	herder, err := cluster.NewHerder(cluster.HerderConfig{WorkerProps: workerProps, Resolver: resolver, WorkerID: workerID, Metrics: metrics})
	if err != nil {
		return err
	}
	defer herder.Stop()
	if err := herder.Start(ctx, connectors); err != nil {
		return err
	}
	restOpts.Metrics = metricsHandler(metrics)
	return rest.NewServer(herder, restOpts).ListenAndServe(ctx, addr)
}

// validateConnector checks a connector file's config, with its
// references resolved, as the REST API checks one it is given.
func validateConnector(resolver *config.Resolver, cfg map[string]string) error {
	if strings.TrimSpace(cfg["name"]) == "" {
		return errors.New(`Missing required configuration "name" which has no default value.`)
	}
	resolved, err := resolver.Resolve(cfg)
	if err != nil {
		return err
	}
	infos, err := rest.ValidateConnectorConfig(resolved)
	if err != nil {
		return err
	}
	if infos.ErrorCount == 0 {
		return nil
	}
	var msgs []string
	for _, c := range infos.Configs {
		if c.Value == nil {
			continue
		}
		for _, m := range c.Value.Errors {
			if !strings.Contains(m, c.Value.Name) {
				m = c.Value.Name + ": " + m
			}
			msgs = append(msgs, m)
		}
	}
	sort.Strings(msgs)
	return fmt.Errorf("connector configuration is invalid:\n  %s", strings.Join(msgs, "\n  "))
}
