package transforms

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The connector config keys that define a chain, as in Kafka Connect's
// ConnectorConfig.
const (
	// TransformsKey lists the aliases of the transformations, in the
	// order they apply: transforms=a,b.
	TransformsKey = "transforms"
	// PredicatesKey lists the aliases of the predicates that
	// transformations may refer to: predicates=p.
	PredicatesKey = "predicates"
)

// chainDef holds the two keys every connector config may carry. The keys
// under each alias (transforms.a.type, ...) are added per config by
// enrichment, as Kafka Connect does.
var chainDef = config.NewDef(
	config.Key{Name: TransformsKey, Type: config.List, Default: []string{}, Importance: config.Low,
		Validators: []config.Validator{listWithoutBlanks(), listWithoutDuplicates("alias")},
		Group:      "Transforms", DisplayName: "Transforms",
		Doc: "Aliases of the transformations to apply to records, in order. Each alias a is configured " +
			"by transforms.a.type and the transformation's own keys under transforms.a."},
	config.Key{Name: PredicatesKey, Type: config.List, Default: []string{}, Importance: config.Low,
		Validators: []config.Validator{listWithoutBlanks(), listWithoutDuplicates("alias")},
		Group:      "Predicates", DisplayName: "Predicates",
		Doc: "Aliases of the predicates that transformations refer to with transforms.a.predicate. Each alias p " +
			"is configured by predicates.p.type and the predicate's own keys under predicates.p."},
)

// The implicit keys of a transformation alias, after transforms.<alias>.
const (
	stageTypeKey      = "type"
	stagePredicateKey = "predicate"
	stageNegateKey    = "negate"
)

// Chain applies a connector's transformations in order, each guarded by
// its predicate if it has one, as Kafka Connect's TransformationChain
// does. Build it with NewChain from the connector config.
//
// A Chain is not safe for concurrent use: give each task its own.
type Chain struct {
	stages []chainStage
	// predicates are the predicate instances the stages share, one per
	// alias, closed once by Close.
	predicates []connect.Predicate
}

// chainStage is one transformation with its optional predicate.
type chainStage struct {
	alias     string
	typ       string
	transform connect.Transformation
	predicate connect.Predicate
	negate    bool
}

// TransformError is the error Chain.Apply returns when a transformation
// fails: it names the stage and wraps the transformation's error, so
// errors.Is(err, connect.ErrData) still tells a bad record from other
// failures.
type TransformError struct {
	// Alias is the transformation's alias in the transforms key.
	Alias string
	// Type is its transforms.<alias>.type, as configured.
	Type string
	// Err is the transformation's error.
	Err error
}

// Error names the alias and type, then the cause.
func (e *TransformError) Error() string {
	return "transforms." + e.Alias + " (" + e.Type + "): " + e.Err.Error()
}

// Unwrap returns the transformation's error.
func (e *TransformError) Unwrap() error { return e.Err }

// NewChain builds the transformation chain a connector config defines,
// the Kafka Connect way:
//
//	transforms=route,mask
//	transforms.route.type=RegexRouter               (a name or a Kafka Connect class name)
//	transforms.route.regex=(.*)-raw                 (the transformation's own keys)
//	transforms.route.replacement=$1
//	transforms.route.predicate=isRaw                (optional)
//	transforms.route.negate=false                   (optional, default false)
//	predicates=isRaw
//	predicates.isRaw.type=TopicNameMatches
//	predicates.isRaw.pattern=.*-raw
//
// Each transformation is configured with the keys under its prefix except
// predicate and negate; each predicate with the keys under its prefix. A
// config without transforms yields an empty chain, which passes records
// through.
//
// On a bad config it returns nil and a *config.Errors naming every bad
// key by its full name (transforms.route.type, transforms.route.regex,
// ...) with its value: duplicate or blank aliases, a missing or unknown
// type (the message lists the registered names), a bad key of a
// transformation or predicate, a predicate alias that predicates does not
// list, a negate without a predicate. A predicate that is defined but not
// used is not an error, as in Kafka Connect: it is validated, then logged
// as a warning.
func NewChain(connectorProps map[string]string) (*Chain, error) {
	b := buildChain(connectorProps)
	if err := b.errs.Err(); err != nil {
		b.closeAll()
		return nil, err
	}
	c := &Chain{stages: make([]chainStage, 0, len(b.stages))}
	used := map[connect.Predicate]bool{}
	for _, s := range b.stages {
		c.stages = append(c.stages, s)
		if s.predicate != nil && !used[s.predicate] {
			used[s.predicate] = true
			c.predicates = append(c.predicates, s.predicate)
		}
	}
	for _, p := range b.predicateOrder {
		if !used[b.predicates[p]] {
			slog.Warn("predicate is defined but no transformation uses it", "predicate", p)
			_ = b.predicates[p].Close()
		}
	}
	return c, nil
}

// ValidateChain returns the problems NewChain would report for a
// connector config, keyed by full config name, or nil if there are none.
// It configures the transformations and predicates to find them and
// closes them again, for the REST validate endpoint.
func ValidateChain(connectorProps map[string]string) *config.Errors {
	b := buildChain(connectorProps)
	b.closeAll()
	if b.errs.Len() == 0 {
		return nil
	}
	return b.errs
}

// ChainDef returns the config definition of the chain part of a
// connector config, enriched as Kafka Connect enriches it: transforms and
// predicates, and for each alias its type, predicate and negate keys and
// the keys of its plugin under the alias prefix (for an alias whose type
// is known). The REST validate endpoint and the docs read it.
func ChainDef(connectorProps map[string]string) *config.Def {
	b := buildChain(connectorProps)
	b.closeAll()
	var keys []config.Key
	for _, k := range b.keys {
		if _, dup := chainDef.Key(k.Name); !dup && !slices.ContainsFunc(keys, func(o config.Key) bool { return o.Name == k.Name }) {
			keys = append(keys, k)
		}
	}
	return chainDef.With(keys...)
}

// Apply passes the record through each transformation in order and
// returns the result, or nil if a transformation dropped it (the later
// ones are then not run). A transformation with a predicate runs only on
// records the predicate matches, or does not match with negate=true. An
// error is a *TransformError naming the stage. Apply allocates nothing of
// its own.
func (c *Chain) Apply(r *connect.Record) (*connect.Record, error) {
	if c == nil {
		return r, nil
	}
	for i := range c.stages {
		s := &c.stages[i]
		if s.predicate != nil && s.predicate.Test(r) == s.negate {
			continue
		}
		out, err := s.transform.Apply(r)
		if err != nil {
			return nil, &TransformError{Alias: s.alias, Type: s.typ, Err: err}
		}
		if out == nil {
			return nil, nil
		}
		r = out
	}
	return r, nil
}

// Len returns the number of transformations.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	return len(c.stages)
}

// Close closes every transformation and predicate, and returns their
// errors joined.
func (c *Chain) Close() error {
	if c == nil {
		return nil
	}
	var errs []error
	for _, s := range c.stages {
		if err := s.transform.Close(); err != nil {
			errs = append(errs, fmt.Errorf("transforms.%s: %w", s.alias, err))
		}
	}
	for _, p := range c.predicates {
		if err := p.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.stages, c.predicates = nil, nil
	return errors.Join(errs...)
}

// chainBuild is the outcome of reading a connector config's chain: the
// configured instances, the enriched keys and the problems found.
type chainBuild struct {
	props          map[string]string
	errs           *config.Errors
	keys           []config.Key
	stages         []chainStage
	predicates     map[string]connect.Predicate
	predicateOrder []string
}

func (b *chainBuild) closeAll() {
	for _, s := range b.stages {
		_ = s.transform.Close()
	}
	for _, p := range b.predicateOrder {
		_ = b.predicates[p].Close()
	}
}

func buildChain(props map[string]string) *chainBuild {
	b := &chainBuild{props: props, errs: &config.Errors{}, predicates: map[string]connect.Predicate{}}
	var transformAliases, predicateAliases []string
	if v, err := chainDef.Parse(props); err != nil {
		b.addErr("", err)
		// Go on with what can be read, to report the other problems too.
		transformAliases = uniqueAliases(props[TransformsKey])
		predicateAliases = uniqueAliases(props[PredicatesKey])
	} else {
		transformAliases = v.List(TransformsKey)
		predicateAliases = v.List(PredicatesKey)
	}

	for _, alias := range predicateAliases {
		prefix := PredicatesKey + "." + alias + "."
		own := []config.Key{aliasTypeKey(connect.KindPredicate, prefix, "Predicates: "+alias,
			"The predicate of alias '"+alias+"': a predicate name or Kafka Connect class name.")}
		inst, ok := b.plugin(connect.KindPredicate, prefix, own, props, []string{stageTypeKey})
		if !ok {
			continue
		}
		p := inst.(connect.Predicate)
		if err := p.Configure(config.WithPrefix(props, prefix)); err != nil {
			b.addErr(prefix, err)
			_ = p.Close()
			continue
		}
		b.predicates[alias] = p
		b.predicateOrder = append(b.predicateOrder, alias)
	}

	for _, alias := range transformAliases {
		prefix := TransformsKey + "." + alias + "."
		group := "Transforms: " + alias
		own := []config.Key{
			aliasTypeKey(connect.KindTransformation, prefix, group,
				"The transformation of alias '"+alias+"': a transformation name or Kafka Connect class name."),
			{Name: prefix + stagePredicateKey, Type: config.String, Importance: config.Medium, Group: group,
				Doc: "The alias of the predicate that decides whether this transformation applies to a record."},
			{Name: prefix + stageNegateKey, Type: config.Boolean, Default: false, Importance: config.Medium, Group: group,
				Doc: "Whether to apply this transformation to the records the predicate does not match instead."},
		}
		stageValues, err := config.NewDef(own[1:]...).Parse(props)
		if err != nil {
			b.addErr("", err)
		}
		var predicate connect.Predicate
		negate := false
		if stageValues != nil {
			negate = stageValues.Bool(prefix + stageNegateKey)
			predKey := prefix + stagePredicateKey
			switch {
			case stageValues.Given(predKey):
				name := stageValues.String(predKey)
				if !slices.Contains(predicateAliases, name) {
					b.errs.Add(predKey, invalidConfigValue(predKey, name,
						"there is no predicate of that alias: it must be listed in "+PredicatesKey+" and defined by "+PredicatesKey+"."+name+".type"))
				}
				predicate = b.predicates[name]
			case stageValues.Given(prefix + stageNegateKey):
				b.errs.Add(prefix+stageNegateKey, invalidConfigValue(prefix+stageNegateKey, props[prefix+stageNegateKey],
					prefix+stagePredicateKey+" is not set, so there is no predicate to negate"))
			}
		}
		inst, ok := b.plugin(connect.KindTransformation, prefix, own, props, []string{stageTypeKey, stagePredicateKey, stageNegateKey})
		if !ok {
			continue
		}
		t := inst.(connect.Transformation)
		sub := config.WithPrefix(props, prefix)
		delete(sub, stagePredicateKey)
		delete(sub, stageNegateKey)
		if err := t.Configure(sub); err != nil {
			b.addErr(prefix, err)
			_ = t.Close()
			continue
		}
		b.stages = append(b.stages, chainStage{alias: alias, typ: strings.TrimSpace(props[prefix+stageTypeKey]),
			transform: t, predicate: predicate, negate: negate})
	}
	return b
}

// aliasTypeKey defines the type key of an alias: a registered plugin of the
// kind.
func aliasTypeKey(kind connect.Kind, prefix, group, doc string) config.Key {
	return config.Key{
		Name:       prefix + stageTypeKey,
		Type:       config.Class,
		Required:   true,
		Importance: config.High,
		Validators: []config.Validator{pluginTypeValidator(kind)},
		Group:      group,
		Doc:        doc,
	}
}

// plugin checks an alias's type key (the first of own, the alias's own
// keys) and, if the type is known, the plugin's keys under prefix (but for
// those named in skip, which the alias's own keys mask), and returns a
// new, unconfigured instance. It reports false if a problem was found.
func (b *chainBuild) plugin(kind connect.Kind, prefix string, own []config.Key, props map[string]string, skip []string) (any, bool) {
	b.keys = append(b.keys, own...)
	typeKey := own[0].Name
	if _, err := config.NewDef(own[0]).Parse(props); err != nil {
		b.addErr("", err)
		return nil, false
	}
	p, _ := connect.Lookup(kind, props[typeKey]) // the type key's validator found it
	inst := p.New()
	var keys []config.Key
	if c, ok := inst.(connect.Configurable); ok && c.ConfigDef() != nil {
		for _, k := range c.ConfigDef().Keys() {
			if slices.Contains(skip, k.Name) {
				continue
			}
			k.Name = prefix + k.Name
			k.Dependents = slices.Clone(k.Dependents)
			for i, d := range k.Dependents {
				k.Dependents[i] = prefix + d
			}
			k.Group = own[0].Group
			keys = append(keys, k)
		}
	}
	b.keys = append(b.keys, keys...)
	if _, err := config.NewDef(keys...).Parse(props); err != nil {
		b.addErr("", err)
		if c, ok := inst.(interface{ Close() error }); ok {
			_ = c.Close()
		}
		return nil, false
	}
	return inst, true
}

// addErr records err under the keys it names, prefixed, or under prefix +
// "type" if it is not a *config.Errors.
func (b *chainBuild) addErr(prefix string, err error) {
	var ce *config.Errors
	if !errors.As(err, &ce) {
		key := prefix + stageTypeKey
		b.errs.Add(key, invalidConfigValue(key, strings.TrimSpace(b.props[key]), err.Error()))
		return
	}
	for _, k := range ce.Keys() {
		for _, msg := range ce.For(k) {
			if prefix != "" {
				// Name the key in full in messages worded by config.Def.
				msg = strings.Replace(msg, "for configuration "+k+":", "for configuration "+prefix+k+":", 1)
				msg = strings.Replace(msg, `configuration "`+k+`"`, `configuration "`+prefix+k+`"`, 1)
			}
			b.errs.Add(prefix+k, msg)
		}
	}
}

// uniqueAliases reads an alias list leniently, for reporting the problems
// of the aliases of a list that is itself invalid.
func uniqueAliases(raw string) []string {
	var out []string
	for _, a := range config.SplitList(raw) {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// pluginTypeValidator accepts the name or an alias of a registered plugin
// of the kind, and otherwise lists the registered names.
func pluginTypeValidator(kind connect.Kind) config.Validator {
	return config.ValidatorFunc{Desc: "a registered " + string(kind) + " name or Kafka Connect class name", Fn: func(v any) error {
		name, _ := v.(string)
		if _, ok := connect.Lookup(kind, name); ok {
			return nil
		}
		var names []string
		for _, p := range connect.Plugins(kind) {
			names = append(names, p.Name)
		}
		return fmt.Errorf("no %s is registered under that name; the %ss are: %s", kind, kind, strings.Join(names, ", "))
	}}
}
