"""The workspace: the YAML files a coordinator edits, loaded and checked.

`loading` reads stakeholders.yaml and trainings/*.yaml into the schemas' models and
reports every problem with file, line, field and value; `problems` turns pydantic's
errors into those located problems (for notes files too); `yamlfile` reads YAML keeping
each value's line; `rounds` looks a training's rounds and meetings up by id; `summary`
tells what the workspace holds; `json_schema` writes the files' JSON Schema.
"""
