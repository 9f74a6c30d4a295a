// The reference for the vad servable: vad-web's Silero v5 wrapper (the class its browser and node pipelines run, with
// its 64-sample context and carried state) over the same model file, on the ocr reference's onnxruntime-node.
// usage: node vad.mjs ORT_DIR VAD_WEB_DIR MODEL AUDIO_F32 OUT_JSON ; writes the speech probability of each 512-sample
// frame (the last one padded with zeros) to OUT_JSON.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const [ortDir, vadWebDir, model, audioPath, outPath] = process.argv.slice(2)
const require = createRequire(join(ortDir, 'package.json'))
const ort = require('onnxruntime-node')
const { Silero } = require(join(vadWebDir, 'models', 'silero.js'))
const vad = await Silero.new(ort, async () => readFileSync(model))
const bytes = readFileSync(audioPath)
const audio = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
const probabilities = []
for (let start = 0; start < audio.length; start += 512) {
  const frame = new Float32Array(512)
  frame.set(audio.subarray(start, Math.min(start + 512, audio.length)))
  probabilities.push((await vad.process(frame)).isSpeech)
}
writeFileSync(outPath, JSON.stringify(probabilities))
