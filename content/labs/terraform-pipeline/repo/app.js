module.exports = (req) => ({ status: 200, body: "hello" });
