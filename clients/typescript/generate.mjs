// The OpenAPI document (JSON, on stdin) as TypeScript types (on stdout), by openapi-typescript. Run by
// generate.py, which builds the document. Binary bodies (`format: binary`, the upload) are typed `Blob`, so
// a browser `File` or a Node `Blob` type-checks where openapi-typescript's default would demand a string.
import { text } from "node:stream/consumers";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const document = JSON.parse(await text(process.stdin));
const ast = await openapiTS(document, {
  // A field with a default may be left out of a request; responses list what they always send as required.
  defaultNonNullable: false,
  transform(schemaObject) {
    if (schemaObject.format === "binary") {
      return schemaObject.nullable
        ? ts.factory.createUnionTypeNode([ts.factory.createTypeReferenceNode("Blob"), ts.factory.createLiteralTypeNode(ts.factory.createNull())])
        : ts.factory.createTypeReferenceNode("Blob");
    }
    return undefined;
  },
});
process.stdout.write(
  "/**\n * Generated from the OpenAPI document by clients/typescript/generate.py: do not edit.\n */\n\n" + astToString(ast),
);
