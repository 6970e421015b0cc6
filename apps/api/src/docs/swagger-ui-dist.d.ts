declare module 'swagger-ui-dist/absolute-path.js' {
  /** The folder that holds Swagger UI's built files. */
  function getAbsoluteFSPath(): string;
  export default getAbsoluteFSPath;
}
