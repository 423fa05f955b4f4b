// Command sluice runs Sluice, a Kafka Connect-style connector framework.
//
// Usage:
//
//	sluice version
//	sluice plugins [list]          list the registered plugins
//	sluice plugins describe NAME   show a plugin's config keys
//
// The plugins it knows are the packages it imports: each registers itself
// with the connect registry in its init function.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	_ "github.com/sluicehq/sluice/connect/converters"
	_ "github.com/sluicehq/sluice/connectors/datagen"
	_ "github.com/sluicehq/sluice/connectors/file"
	_ "github.com/sluicehq/sluice/transforms"
)

const usage = `sluice: a Kafka Connect-style connector framework in one Go binary.

Usage:
  sluice version                 print the version
  sluice plugins [list]          list connectors, transforms, predicates and converters
  sluice plugins describe NAME   show the config keys of a plugin (name or Kafka Connect class name)

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
		fmt.Fprintln(out, "sluice", connect.Version)
		return nil
	case "plugins":
		return plugins(args[1:], out)
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
