// The reference OCR pipeline: @gutenye/ocr-node over the same PaddleOCR model files as the ocr servable.
// usage: node read.mjs REFERENCE_DIR IMAGE... ; prints {"IMAGE": "line\nline", ...} as JSON.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [root, ...images] = process.argv.slice(2)
const { default: Ocr } = await import(pathToFileURL(join(root, 'node_modules/@gutenye/ocr-node/build/index.js')).href)
const ocr = await Ocr.create()
const texts = {}
for (const image of images) {
  const lines = await ocr.detect(image)
  texts[image] = lines.map((line) => line.text).join('\n')
}
console.log(JSON.stringify(texts))
