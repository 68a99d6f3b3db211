export { committableLogSource, logSource, commitAll, type Committable, type CommittableSourceOptions, type LogSourceOptions } from './log-source.js'
export { logSink, logAppendFlow, type LogSinkOptions } from './log-sink.js'
export { fileLines, fileLinesSink } from './file-lines.js'
export { webSocketStreams, type WebSocketFlowOptions, type WebSocketStreams } from './websocket.js'
