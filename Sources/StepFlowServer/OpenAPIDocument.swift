/// The API's OpenAPI 3.1 document, served at `/api/v1/openapi.json`: the contract schemathesis checks the server against
/// (`scripts/e2e-api`). Change it with the routes (`StepFlowServer+API.swift`); a test checks that every route is in it.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "StepFlow API",
            "version": "1.0.0",
            "description": "The JSON API of `stepflow serve` (and of StepFlowServer mounted in an application): processes, their history and signals, commands, flows and live events. Commands take JSON (`Content-Type: application/json`). Every error is `{\"error\": {\"code\": ..., \"message\": ...}}`."
          },
          "servers": [
            {
              "url": "/"
            }
          ],
          "security": [
            {
              "bearer": []
            }
          ],
          "paths": {
            "/healthz": {
              "get": {
                "operationId": "health",
                "summary": "Liveness: the server answers.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The server answers.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Status"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/readyz": {
              "get": {
                "operationId": "ready",
                "summary": "Readiness: the store answers.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The store answers.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Status"
                        }
                      }
                    }
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/openapi.json": {
              "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The OpenAPI document.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/processes": {
              "get": {
                "operationId": "listProcesses",
                "summary": "Processes matching the filters, ordered by id, one page at a time.",
                "parameters": [
                  {
                    "name": "flow",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only processes of this flow."
                  },
                  {
                    "name": "status",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    },
                    "description": "Comma-separated statuses: running, waiting, completed, failed, cancelled, paused."
                  },
                  {
                    "name": "idPrefix",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only ids starting with this text."
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 500
                    },
                    "description": "The page size (default 50)."
                  },
                  {
                    "name": "after",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    },
                    "description": "The cursor: `nextCursor` of the previous page."
                  },
                  {
                    "name": "step",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only processes at this step (`currentStep`, as `stepflow list` shows it)."
                  },
                  {
                    "name": "labels",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only processes with these labels: `key=value,key=value`."
                  },
                  {
                    "name": "createdAfter",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "createdBefore",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "updatedAfter",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "updatedBefore",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "One page of processes.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ProcessPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              },
              "post": {
                "operationId": "startProcess",
                "summary": "Starts a process of a registered flow; idempotent on the id.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/StartRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Started.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "200": {
                    "description": "A process with this id existed and is returned unchanged.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "get": {
                "operationId": "getProcess",
                "summary": "One process.",
                "responses": {
                  "200": {
                    "description": "The process.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/history": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "get": {
                "operationId": "getHistory",
                "summary": "The process's applied steps, oldest first.",
                "responses": {
                  "200": {
                    "description": "The history.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/History"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/signals": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "get": {
                "operationId": "getSignals",
                "summary": "The signals in the process's inbox.",
                "responses": {
                  "200": {
                    "description": "The signals.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Signals"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/signals/{name}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                },
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The signal's name.",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "sendSignal",
                "summary": "Sends a signal; the body is its payload, checked against the type the flow declares for it (how a webhook delivers a signal).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {}
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "Stored in the inbox.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Signal"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/cancel": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "cancelProcess",
                "summary": "Cancels a process (its compensations run first), recording the reason.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/CancelRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Cancelled, or asked to stop.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/wake": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "wakeProcess",
                "summary": "Makes a running or waiting process due now.",
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Due now.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/resume": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "resumeProcess",
                "summary": "Runs a failed process again from its saved state.",
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Running again.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/pause": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "pauseProcess",
                "summary": "Pauses a process: no worker runs it until it is unpaused.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ReasonRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Paused.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/unpause": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "unpauseProcess",
                "summary": "Lets a paused process run again.",
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Running or waiting again.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/labels": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "put": {
                "operationId": "setLabels",
                "summary": "Replaces the process's labels.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/LabelsRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The labels are set.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/rewind-targets": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "get": {
                "operationId": "rewindTargets",
                "summary": "The steps the process can be rewound to.",
                "responses": {
                  "200": {
                    "description": "The steps.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RewindTargets"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/processes/{id}/rewind": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The process id (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "post": {
                "operationId": "rewindProcess",
                "summary": "Moves the process back so that a step runs again.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RewindRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Rewound.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Process"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/migrate": {
              "post": {
                "operationId": "migrate",
                "summary": "Moves the processes of a flow (those of a filter) onto another version of it, by the registered migration.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/MigrateRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "What was (or would be) moved.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MigrationReport"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/statistics": {
              "get": {
                "operationId": "statistics",
                "summary": "How many processes there are by flow, status and step.",
                "parameters": [
                  {
                    "name": "flow",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The counts.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Statistics"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/bulk": {
              "post": {
                "operationId": "bulkAction",
                "summary": "Applies an action to every process of a filter (the list's query fields).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/BulkRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "What was done.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/BulkResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/purge": {
              "post": {
                "operationId": "purge",
                "summary": "Deletes finished processes (with their history and signals) that finished before a time.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/PurgeRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "What was deleted (or would be, for a dry run).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PurgeResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/TooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "422": {
                    "$ref": "#/components/responses/Unprocessable"
                  }
                }
              }
            },
            "/api/v1/flows": {
              "get": {
                "operationId": "listFlows",
                "summary": "The registered flows.",
                "responses": {
                  "200": {
                    "description": "The flows.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Flows"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/flows/{name}": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The flow's name (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "get": {
                "operationId": "getFlow",
                "summary": "A flow and its structure (nested items).",
                "responses": {
                  "200": {
                    "description": "The flow.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Flow"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/flows/{name}/diagram": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The flow's name (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                },
                {
                  "name": "format",
                  "in": "query",
                  "schema": {
                    "type": "string",
                    "enum": [
                      "mermaid",
                      "dot"
                    ]
                  }
                }
              ],
              "get": {
                "operationId": "getDiagram",
                "summary": "The flow drawn as a Mermaid or Graphviz DOT diagram.",
                "responses": {
                  "200": {
                    "description": "The diagram's text.",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/flows/{name}/counts": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The flow's name (percent-encoded).",
                  "schema": {
                    "type": "string",
                    "minLength": 1
                  }
                }
              ],
              "get": {
                "operationId": "getStepCounts",
                "summary": "Live counts per step: processes there now, failed there, median time there.",
                "responses": {
                  "200": {
                    "description": "The counts.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/StepCounts"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            },
            "/api/v1/events": {
              "get": {
                "operationId": "events",
                "summary": "Server-Sent Events: one `process` event per change of a process (new status or step). The stream does not end.",
                "parameters": [
                  {
                    "name": "flow",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "process",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The event stream; each event's data is a ProcessChange.",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "The operator token, or the read-only token (403 on commands)."
              }
            },
            "responses": {
              "BadRequest": {
                "description": "Malformed: bad JSON, a bad parameter.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unauthorized": {
                "description": "No valid token.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Forbidden": {
                "description": "The read-only token on a command, a missing CSRF token, or a non-local host on a server without token.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "NotFound": {
                "description": "No such process, flow or route.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Conflict": {
                "description": "The command does not apply to the process's status, or the id exists with another flow.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "TooLarge": {
                "description": "The body or signal payload is larger than allowed.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "UnsupportedMediaType": {
                "description": "A command whose body is not declared JSON.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unprocessable": {
                "description": "Well-formed but not acceptable: an unknown flow, input or payload of the wrong type, an empty reason.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unavailable": {
                "description": "The store does not answer.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "error"
                ],
                "additionalProperties": false,
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message"
                    ],
                    "properties": {
                      "code": {
                        "type": "string"
                      },
                      "message": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "Status": {
                "type": "object",
                "required": [
                  "status"
                ],
                "properties": {
                  "status": {
                    "type": "string"
                  }
                }
              },
              "StartRequest": {
                "type": "object",
                "required": [
                  "flow"
                ],
                "properties": {
                  "flow": {
                    "type": "string"
                  },
                  "id": {
                    "type": "string"
                  },
                  "input": {},
                  "labels": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  }
                }
              },
              "RewindTargets": {
                "type": "object",
                "required": [
                  "targets"
                ],
                "properties": {
                  "targets": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "RewindRequest": {
                "type": "object",
                "required": [
                  "step",
                  "reason"
                ],
                "properties": {
                  "step": {
                    "type": "string"
                  },
                  "reason": {
                    "type": "string"
                  }
                }
              },
              "MigrateRequest": {
                "type": "object",
                "required": [
                  "from",
                  "to"
                ],
                "properties": {
                  "from": {
                    "type": "string"
                  },
                  "to": {
                    "type": "string"
                  },
                  "filter": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "dryRun": {
                    "type": "boolean"
                  },
                  "reason": {
                    "type": "string"
                  }
                }
              },
              "MigrationReport": {
                "type": "object",
                "required": [
                  "from",
                  "to",
                  "dryRun",
                  "matched",
                  "migrated",
                  "sample",
                  "leftUntouched"
                ],
                "properties": {
                  "from": {
                    "type": "string"
                  },
                  "to": {
                    "type": "string"
                  },
                  "dryRun": {
                    "type": "boolean"
                  },
                  "matched": {
                    "type": "integer"
                  },
                  "migrated": {
                    "type": "integer"
                  },
                  "sample": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "leftUntouched": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "id": {
                          "type": "string"
                        },
                        "reason": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "ReasonRequest": {
                "type": "object",
                "required": [
                  "reason"
                ],
                "properties": {
                  "reason": {
                    "type": "string"
                  }
                }
              },
              "LabelsRequest": {
                "type": "object",
                "required": [
                  "labels"
                ],
                "properties": {
                  "labels": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  }
                }
              },
              "BulkRequest": {
                "type": "object",
                "required": [
                  "action"
                ],
                "properties": {
                  "action": {
                    "type": "string",
                    "enum": [
                      "cancel",
                      "wake",
                      "resume",
                      "pause",
                      "unpause"
                    ]
                  },
                  "reason": {
                    "type": "string"
                  },
                  "filter": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  }
                }
              },
              "BulkResult": {
                "type": "object",
                "required": [
                  "matched",
                  "acted",
                  "skipped"
                ],
                "properties": {
                  "matched": {
                    "type": "integer"
                  },
                  "acted": {
                    "type": "integer"
                  },
                  "skipped": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  }
                }
              },
              "PurgeRequest": {
                "type": "object",
                "required": [
                  "finishedBefore"
                ],
                "properties": {
                  "finishedBefore": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "flow": {
                    "type": "string"
                  },
                  "statuses": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "enum": [
                        "completed",
                        "failed",
                        "cancelled"
                      ]
                    }
                  },
                  "dryRun": {
                    "type": "boolean"
                  }
                }
              },
              "PurgeResult": {
                "type": "object",
                "required": [
                  "deleted",
                  "dryRun",
                  "sample"
                ],
                "properties": {
                  "deleted": {
                    "type": "integer"
                  },
                  "dryRun": {
                    "type": "boolean"
                  },
                  "sample": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "Statistics": {
                "type": "object",
                "required": [
                  "groups"
                ],
                "properties": {
                  "groups": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "flow",
                        "status",
                        "count"
                      ],
                      "properties": {
                        "flow": {
                          "type": "string"
                        },
                        "status": {
                          "type": "string",
                          "enum": [
                            "running",
                            "waiting",
                            "completed",
                            "failed",
                            "cancelled",
                            "paused"
                          ]
                        },
                        "step": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "count": {
                          "type": "integer"
                        }
                      }
                    }
                  }
                }
              },
              "CancelRequest": {
                "type": "object",
                "required": [
                  "reason"
                ],
                "properties": {
                  "reason": {
                    "type": "string"
                  }
                }
              },
              "Process": {
                "type": "object",
                "required": [
                  "id",
                  "flow",
                  "status",
                  "labels",
                  "createdAt",
                  "updatedAt",
                  "stepCount",
                  "attempt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "flow": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "running",
                      "waiting",
                      "completed",
                      "failed",
                      "cancelled",
                      "paused"
                    ]
                  },
                  "step": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "currentStep": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "state": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "input": {},
                  "data": {},
                  "labels": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "dueAt": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "stepCount": {
                    "type": "integer"
                  },
                  "attempt": {
                    "type": "integer"
                  },
                  "lastError": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "lease": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "properties": {
                      "owner": {
                        "type": "string"
                      },
                      "expiresAt": {
                        "type": "string",
                        "format": "date-time"
                      }
                    }
                  }
                }
              },
              "ProcessPage": {
                "type": "object",
                "required": [
                  "processes"
                ],
                "properties": {
                  "processes": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Process"
                    }
                  },
                  "nextCursor": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "HistoryEntry": {
                "type": "object",
                "required": [
                  "sequence",
                  "startedAt",
                  "outcome",
                  "durationMs",
                  "worker"
                ],
                "properties": {
                  "sequence": {
                    "type": "integer"
                  },
                  "startedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "step": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "outcome": {
                    "type": "string",
                    "enum": [
                      "advanced",
                      "waiting",
                      "retried",
                      "completed",
                      "failed",
                      "compensating",
                      "compensated",
                      "cancelled",
                      "paused",
                      "unpaused",
                      "woken",
                      "resumed",
                      "labelled",
                      "rewound",
                      "migrated"
                    ]
                  },
                  "reason": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "durationMs": {
                    "type": "number"
                  },
                  "error": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "worker": {
                    "type": "string"
                  }
                }
              },
              "History": {
                "type": "object",
                "required": [
                  "history"
                ],
                "properties": {
                  "history": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/HistoryEntry"
                    }
                  }
                }
              },
              "Signal": {
                "type": "object",
                "required": [
                  "sequence",
                  "name",
                  "payload",
                  "sentAt"
                ],
                "properties": {
                  "sequence": {
                    "type": "integer"
                  },
                  "name": {
                    "type": "string"
                  },
                  "payload": {},
                  "sentAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "Signals": {
                "type": "object",
                "required": [
                  "signals"
                ],
                "properties": {
                  "signals": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Signal"
                    }
                  }
                }
              },
              "FlowItem": {
                "type": "object",
                "required": [
                  "kind",
                  "name",
                  "path",
                  "isStep",
                  "compensable",
                  "children"
                ],
                "properties": {
                  "kind": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "path": {
                    "type": "string"
                  },
                  "isStep": {
                    "type": "boolean"
                  },
                  "compensable": {
                    "type": "boolean"
                  },
                  "children": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/FlowItem"
                    }
                  }
                }
              },
              "Flow": {
                "type": "object",
                "required": [
                  "name",
                  "signals",
                  "steps"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "signals": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "steps": {
                    "type": "integer"
                  },
                  "structure": {
                    "$ref": "#/components/schemas/FlowItem"
                  }
                }
              },
              "Flows": {
                "type": "object",
                "required": [
                  "flows"
                ],
                "properties": {
                  "flows": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Flow"
                    }
                  }
                }
              },
              "StepCounts": {
                "type": "object",
                "required": [
                  "flow",
                  "steps",
                  "completed",
                  "cancelled"
                ],
                "properties": {
                  "flow": {
                    "type": "string"
                  },
                  "completed": {
                    "type": "integer"
                  },
                  "cancelled": {
                    "type": "integer"
                  },
                  "steps": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "path",
                        "active",
                        "failed"
                      ],
                      "properties": {
                        "path": {
                          "type": "string"
                        },
                        "active": {
                          "type": "integer"
                        },
                        "failed": {
                          "type": "integer"
                        },
                        "medianSecondsHere": {
                          "type": [
                            "number",
                            "null"
                          ]
                        }
                      }
                    }
                  }
                }
              },
              "ProcessChange": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "flow": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string"
                  },
                  "step": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "stepCount": {
                    "type": "integer"
                  },
                  "updatedAt": {
                    "type": "string"
                  },
                  "lastError": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              }
            }
          }
        }
        """#
}
