// Package config holds Sluice's typed configuration definitions, the
// equivalent of Kafka Connect's ConfigDef.
//
// A connector, task, transformation, predicate or converter declares the
// keys it accepts as a [Def]: each [Key] has a name, a [Type], a default,
// an importance, documentation, a group and validators. The same Def drives
// parsing ([Def.Parse]), the REST validate endpoint, `sluice plugins
// describe` and the docs, so no plugin parses its keys by hand.
//
// Parsing a map[string]string returns typed [Values] or an [*Errors] that
// holds every problem found, keyed by config name. Values of type
// [Password] never print: not with %v, not in JSON, not through log/slog.
//
// The package also reads Java .properties files ([ParseProperties]) and
// expands Kafka Connect config-provider references such as ${env:NAME} and
// ${file:/path:key} at the moment a config is used ([Resolver]).
package config
