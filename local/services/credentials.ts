/** The credentials every local client and function uses; s3rver checks signatures against exactly these. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
